#!/usr/bin/env python3
"""The programme's whole field cycle on one machine, headless (./make.sh run).

Every step runs the real programs: jaring-node (a 3-node cluster on loopback),
jaring-kiosk (session scripts this driver generates), jaring-sync (the
officer's FAT32 drive through mtools, import --node, push and pull),
jaring-admin (roster, review acts, allocations, decrees, payments). The driver
only generates synthetic workers, writes session scripts, moves the drive
image between the sides and counts. docs/cycle.md describes the stages.

usage: scripts/field-cycle.py BUILD_DIR OUT_DIR [--workers N] [--faults] [--keep-going]
"""
import argparse
import calendar
import concurrent.futures
import csv
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIN = "246810"          # the officer's and the officials' PIN (synthetic)
CONTRIBUTION = 16800    # Rp per worker-month (Table 1, docs/centre.md)

# Five kiosks in five villages: two in Kota Tegal, three in Kab. Tegal. The
# last one has a network link (push/pull); the others see the officer's drive.
KIOSKS = [
    ("33.76.01.1001", "drive"),
    ("33.76.02.1001", "drive"),
    ("33.28.01.2001", "drive"),
    ("33.28.02.2001", "drive"),
    ("33.28.03.2001", "link"),
]
# Table 1 (assets/reference/table1-bantuan-iuran-2024.csv): the four sponsor
# types as jaring-admin names them, who signs the allocation, months funded.
SPONSORS = [
    ("csr", "Perusahaan", "funder-csr", 6),
    ("apbd", "Pemerintah", "head", 12),
    ("village", "Desa", "funder-village", 6),
    ("civil-servant", "ASN Sertakan", "funder-asn", 6),
]
AGENCIES = ["disnaker", "dpmd", "dukcapil", "bpjstk"]   # the policy's four
FIRST = ["SITI", "BUDI", "WATI", "SLAMET", "RATNA", "DARTO", "JOKO", "SRI", "AGUS",
         "TUTI", "HADI", "YANTI", "EKO", "NUR", "RUDI", "DEWI"]
LAST = ["CONTOH", "UJI", "SAMPEL", "PERCOBAAN"]
OCCUPATIONS = ["Petani", "Nelayan", "Pedagang kaki lima"]
INCOMES = ["Kurang dari Rp500.000", "Rp500.000 sampai Rp999.999"]
PER_PAGE = 12           # districts on one page of the district grid at 800x480


class Failed(Exception):
    pass


class PaperPrinter:
    """A receipt printer on a pseudo-terminal that answers the kiosk's paper
    sensor query (DLE EOT 4, docs/kiosk.md): paper end (0x72) until the file
    `paper_in` exists, then paper present (0x12). Counts the receipts
    printed (ESC @ ... GS v 0)."""

    def __init__(self, paper_in):
        self.paper_in = paper_in
        self.printed = 0

    def __enter__(self):
        import pty
        import threading
        import tty
        self.master, self.slave = pty.openpty()
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self.stop = False
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()
        return self

    def serve(self):
        import select
        while not self.stop:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if not r:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            # The kiosk writes the query alone and waits for the answer
            # before it sends a receipt, so a query starts a read.
            if data.startswith(b"\x10\x04\x04"):
                paper = os.path.exists(self.paper_in)
                self.printed += paper
                os.write(self.master, b"\x12" if paper else b"\x72")

    def __exit__(self, *exc):
        self.stop = True
        self.t.join()
        os.close(self.master)
        os.close(self.slave)
        return False


def load_regions():
    names, districts = {}, []
    with open(os.path.join(HERE, "assets/regions/tegal-regions.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names[row["code"]] = row["name"]
            if row["level"] == "district":
                districts.append(row["code"])
    return names, districts


class Cycle:
    def __init__(self, build, out, workers, faults):
        self.bin = os.path.join(os.path.abspath(build), "bin")
        self.kiosk_bin = os.path.join(os.path.abspath(build), "kiosk", "jaring-kiosk")
        self.cutproxy = os.path.join(os.path.abspath(build), "tests", "cutproxy")
        self.out = os.path.abspath(out)
        self.n_workers = workers
        self.faults = faults
        self.t0 = time.time()
        self.names, self.districts = load_regions()
        self.procs = {}
        self.counts = {}
        self.checks = 0
        self.stage_no = 0
        self.env = dict(os.environ, JARING_PIN=PIN, MTOOLS_SKIP_CHECK="1",
                        SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
        self.today = time.gmtime()
        y, m = self.today.tm_year, self.today.tm_mon
        self.start_month = (y + (m == 12)) * 100 + (m % 12 + 1)
        self.fault_log = []

    # ---- plumbing ----
    def progress(self, what):
        print(f"[{time.time() - self.t0:6.1f} s] {what}", flush=True)

    def stage(self, title):
        self.stage_no += 1
        self.progress(f"stage {self.stage_no}: {title}")

    def check(self, cond, what):
        self.checks += 1
        if not cond:
            raise Failed(what)

    def run(self, args, ok=(0,), quiet=True, stdin=None):
        p = subprocess.run(args, env=self.env, capture_output=True, text=True, input=stdin)
        if p.returncode not in ok:
            raise Failed(f"{' '.join(os.path.basename(a) if i == 0 else a for i, a in enumerate(args))}"
                         f" exited {p.returncode}: {p.stderr.strip() or p.stdout.strip()}")
        return p

    def tool(self, name, *args, ok=(0,)):
        return self.run([os.path.join(self.bin, name), *args], ok=ok)

    def admin(self, *args, ok=(0,)):
        return self.tool("jaring-admin", *args, "--node", self.leader(), ok=ok)

    def path(self, *p):
        return os.path.join(self.out, *p)

    # ---- workers ----
    def make_workers(self):
        rnd = random.Random(20240611)
        ws = []
        for i in range(self.n_workers):
            k = i % len(KIOSKS)
            village = KIOSKS[k][0]
            district = village[:8]
            female = i % 2 == 0
            y, mo, d = rnd.randint(1966, 2004), rnd.randint(1, 12), rnd.randint(1, 28)
            nik = (district.replace(".", "") + f"{d + 40 if female else d:02d}{mo:02d}{y % 100:02d}"
                   + f"{1000 + i:04d}")
            w = dict(i=i, kiosk=k, village=village, nik=nik, female=female,
                     dob=f"{d:02d}{mo:02d}{y}",
                     name=f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}",
                     address=f"DUKUH CONTOH RT {1 + i % 9:02d}/RW {1 + i % 7:02d}",
                     occupation=OCCUPATIONS[i % len(OCCUPATIONS)],
                     income=INCOMES[i % len(INCOMES)],
                     phone=f"0812{i:08d}", fate="register")
            ws.append(w)
        n = self.n_workers
        for w in ws:
            q = w["i"] // len(KIOSKS)          # the worker's place in their kiosk's queue
            if q % 10 == 7:
                w["fate"] = "abandon"          # leaves the form half-filled
            elif q % 10 == 4:
                w["fate"] = "mistype"          # a mistyped NIK first, refused, retyped
            elif q % 10 == 2:
                w["fate"] = "returned"         # returned by DPMD, corrected at the kiosk
        # Two workers register again on day 2 at another kiosk: the centre
        # must find them (pseudonym of the NIK, reason 401).
        self.dups = []
        for w in ws[2:]:
            if w["fate"] == "register" and len(self.dups) < 2 and w["kiosk"] in (0, 4):
                other = 2 if w["kiosk"] == 0 else 1
                w["dup_at"] = other
                self.dups.append(w)
        self.check(len(self.dups) == 2 or n < 20, "two duplicate workers chosen")
        self.workers = ws
        with open(self.path("workers.csv"), "w", newline="", encoding="utf-8") as f:
            wr = csv.writer(f)
            wr.writerow(["worker", "kiosk", "village", "nik", "name", "fate"])
            for w in ws:
                wr.writerow([w["i"] + 1, w["kiosk"] + 1, w["village"], w["nik"], w["name"],
                             w["fate"] + (f"+again at kiosk {w['dup_at'] + 1}" if "dup_at" in w else "")])

    # ---- the cluster ----
    def free_ports(self, n):
        ss = [socket.socket() for _ in range(n)]
        for s in ss:
            s.bind(("127.0.0.1", 0))
        ports = [s.getsockname()[1] for s in ss]
        for s in ss:
            s.close()
        return ports

    def start_cluster(self):
        c = self.path("cluster")
        os.makedirs(c)
        self.tool("jaring-node", "keygen", "--kind", "consortium", "--out", self.path("keys", "consortium.key"))
        self.tool("jaring-node", "keygen", "--kind", "pseudonym", "--out", os.path.join(c, "pseudonym.key"))
        self.tool("jaring-node", "keygen", "--kind", "log", "--out", os.path.join(c, "log.key"))
        ports = self.free_ports(6)
        self.http = {i: f"http://127.0.0.1:{ports[2 * i - 1]}" for i in (1, 2, 3)}
        peers = "".join(f"peer = {i} 127.0.0.1:{ports[2 * i - 2]} 127.0.0.1:{ports[2 * i - 1]}\n"
                        for i in (1, 2, 3))
        for i in (1, 2, 3):
            with open(os.path.join(c, f"node{i}.conf"), "w") as f:
                f.write(f"""node_id = {i}
raft_address = 127.0.0.1:{ports[2 * i - 2]}
http_address = 127.0.0.1:{ports[2 * i - 1]}
data_dir = {c}/node{i}
consortium_key = {self.path('keys', 'consortium.key')}
pseudonym_key = {c}/pseudonym.key
log_key = {c}/log.key
log_origin = tlog.cycle.jaring.id/tegal
witness_name = witness.cycle.jaring.id/node{i}
cosign_policy = {c}/cosign.policy
{peers}bootstrap = 1 2 3
""")
            self.tool("jaring-node", "init", "--config", os.path.join(c, f"node{i}.conf"))
        with open(os.path.join(c, "cosign.policy"), "w") as f:
            f.write("log " + open(os.path.join(c, "node1", "log.vkey")).read().strip() + "\n")
            for i in (1, 2, 3):
                f.write(f"witness node{i} " + open(os.path.join(c, f"node{i}", "witness.vkey")).read().strip() + "\n")
            f.write("group agencies 2 node1 node2 node3\nquorum agencies\n")
        for i in (1, 2, 3):
            self.start_node(i)
        self.wait_leader()
        self.progress(f"  3 nodes on loopback, leader {self.leader()}")

    def start_node(self, i):
        c = self.path("cluster")
        log = open(os.path.join(c, f"node{i}.log"), "a")
        self.procs[i] = subprocess.Popen([os.path.join(self.bin, "jaring-node"), "start", "--config",
                                          os.path.join(c, f"node{i}.conf")], stderr=log,
                                         stdout=subprocess.DEVNULL, env=self.env)

    def kill_node(self, i):
        p = self.procs.pop(i, None)
        if p is not None:
            p.kill()
            p.wait()

    def stop_cluster(self):
        # SIGTERM, as jaring-node stop sends it (stop itself would wait on
        # its pid file until the timeout: our exited child stays a zombie
        # until we reap it).
        for p in self.procs.values():
            p.send_signal(signal.SIGTERM)
        for i, p in list(self.procs.items()):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = {}

    def health(self, i):
        try:
            with urllib.request.urlopen(self.http[i] + "/v1/health", timeout=1) as r:
                return json.loads(r.read())
        except Exception:
            return None

    def wait_leader(self, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for i in self.procs:
                h = self.health(i)
                if h and h.get("role") == "leader":
                    self._leader = self.http[i]
                    return self._leader
            time.sleep(0.2)
        raise Failed(f"no leader was elected in {timeout} s (see {self.path('cluster')}/node*.log)")

    def leader(self):
        return self._leader

    # ---- keys and roster ----
    def make_keys(self):
        k = self.path("keys")
        self.tool("jaring-admin", "keygen", "--role", "officer", "--out", os.path.join(k, "officer.key"))
        self.officials = AGENCIES + ["diskominfo", "head-3328", "head-3376",
                                     "funder-csr", "funder-village", "funder-asn"]
        for a in self.officials:
            self.tool("jaring-admin", "keygen", "--role", "official", "--out", os.path.join(k, f"{a}.key"))

    def key(self, who):
        return self.path("keys", f"{who}.key")

    def roster(self):
        k = self.path("keys")
        rev = "approve+return+comment+view"
        members = [f"officer:{k}/officer.key.pub:dpmd:0:sync"]
        for j, (village, _) in enumerate(KIOSKS):
            members.append(f"kiosk:{self.kdir(j)}/data/kiosk.key:diskominfo:{village.replace('.', '')}:upload")
        for a in AGENCIES:
            # BPJS Ketenagakerjaan also signs its payment confirmations
            members.append(f"official:{k}/{a}.key.pub:{a}:0:{rev}" + ("+reflist" if a == "bpjstk" else ""))
        members.append(f"official:{k}/diskominfo.key.pub:diskominfo:0:comment+view")
        for r in ("3328", "3376"):
            members.append(f"official:{k}/head-{r}.key.pub:bupati:{r}:decree+allocate+pay+policy")
        for f in ("csr", "village", "asn"):
            members.append(f"official:{k}/funder-{f}.key.pub:funder:0:allocate+pay")
        with open(os.path.join(k, "members.txt"), "w") as f:
            f.write("# the programme's roster, serial 1 (scripts/field-cycle.py)\n" + "\n".join(members) + "\n")
        entry = os.path.join(k, "roster.entry")
        self.tool("jaring-admin", "roster", "--consortium", self.key("consortium"), "--serial", "1",
                  "--members", os.path.join(k, "members.txt"), "--out", entry)
        p = self.tool("jaring-admin", "submit", "--node", self.leader(), "--json", entry)
        self.check('"outcome":"applied"' in p.stdout, f"roster applied: {p.stdout}")
        # The kiosk's provisioning roster is the signed roster the entry
        # carries: the entry is a 6-byte head (map of 3: version 1, kind 1,
        # key 2) and then the signed roster itself (docs/centre.md "Roster").
        data = open(entry, "rb").read()
        self.check(data[:6] == bytes.fromhex("a30001010102"), "the roster entry's head")
        with open(os.path.join(k, "roster.jrr"), "wb") as f:
            f.write(data[6:])
        return len(members)

    # ---- kiosks ----
    def kdir(self, j, *p):
        return self.path("kiosks", f"kiosk{j + 1}", *p)

    def session(self, j, name, lines, data="../data", drive=None, printer=None, cut_at=None):
        """Writes kiosks/kioskN/NAME.script and plays it headless in
        kiosks/kioskN/NAME/ on the kiosk's data. cut_at: a file the script
        touches; the moment it appears the kiosk loses power (SIGKILL)."""
        village = KIOSKS[j][0] if j < len(KIOSKS) else KIOSKS[0][0]
        head = [f"# {name} at kiosk {j + 1} ({village}), written by scripts/field-cycle.py",
                "screenshots off",
                f"config village {village}",
                "consortium-key ../../../keys/consortium.key",
                f"config data_dir {data}",
                "config receipts_dir ../receipts",
                "config roster ../../../keys/roster.jrr",
                f"clock {time.strftime('%Y-%m-%d', self.today)} 08:00"]
        if printer:
            head += [f"config printer {printer}"]
        if drive is None:
            drive = "../../../drive/plugged" if j >= len(KIOSKS) or KIOSKS[j][1] == "drive" else "../spool"
        head += [f"config sync_drive {drive}", f"config officer_key {drive}/JARING/OFFICER.KEY"]
        script = self.kdir(j, f"{name}.script")
        with open(script, "w") as f:
            f.write("\n".join(head + lines) + "\n")
        args = [self.kiosk_bin, "--script", script, "--out", self.kdir(j, name)]
        if cut_at is None:
            p = subprocess.run(args, env=self.env, capture_output=True, text=True)
            if p.returncode != 0:
                raise Failed(f"kiosk {j + 1} session {name}: {p.stderr.strip() or p.stdout.strip()}")
            self.checks += int(p.stdout.split(": ")[1].split()[0]) if p.stdout.startswith("ok ") else 0
        else:
            mark = self.kdir(j, name, cut_at)
            pr = subprocess.Popen(args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            end = time.time() + 120
            while not os.path.exists(mark) and pr.poll() is None and time.time() < end:
                time.sleep(0.01)
            pr.kill()
            pr.wait()
            self.check(os.path.exists(mark), f"kiosk {j + 1} session {name} reached {cut_at}")
        for f in os.listdir(self.kdir(j, name)):
            if f.endswith(".png"):
                shutil.copy(self.kdir(j, name, f), self.path("screens", f"kiosk{j + 1}-{name}-{f}"))

    def parallel(self, jobs):
        """Runs kiosk sessions two at a time (the machine has two cores)."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            for fut in [ex.submit(*job) for job in jobs]:
                fut.result()

    def district_taps(self, village):
        d = village[:8]
        idx = self.districts.index(d)
        return ['tap "#page-down"'] * (idx // PER_PAGE) + [f'tap "{self.names[d]}"',
                                                           f'tap "{self.names[village]}"']

    def form(self, w, nik=None):
        sx = "Perempuan" if w["female"] else "Laki-laki"
        return ([f'keys "{nik or w["nik"]}"', 'tap "Lanjut"', f'keys "{w["name"]}"', 'tap "Lanjut"',
                 f'tap "{sx}"', f'keys "{w["dob"]}"', 'tap "Lanjut"'] + self.district_taps(w["village"]) +
                [f'keys "{w["address"]}"', 'tap "Lanjut"', f'tap "{w["occupation"]}"',
                 f'tap "{w["income"]}"', f'keys "{w["phone"]}"', 'tap "Lanjut"',
                 "expect-screen review"])

    def register(self, w, kiosk, shot=None):
        """Script lines of one worker at the kiosk; the registration's
        height is recorded by the caller."""
        L = [f"# worker {w['i'] + 1}: {w['fate']}", "expect-screen welcome", 'tap "Daftar"', 'tap "Saya setuju"']
        if w["fate"] == "abandon":
            return L + [f'keys "{w["nik"]}"', 'tap "Lanjut"', f'keys "{w["name"][:4]}"',
                        "# walks away: the privacy timeout wipes the form", "wait 101000",
                        "expect-screen welcome", "expect-form-empty"], False
        if w["fate"] == "mistype":
            bad = w["nik"][:4] + "99" + w["nik"][6:]   # a district that does not exist
            L += [f'keys "{bad[:6]}"', 'expect "Kode kecamatan di NIK"']
            if shot:
                L += [f"screenshot {shot}"]
            L += ['tap "Hapus semua"']
        L += self.form(w)[:]
        L += ['tap "Daftarkan"', "expect-screen receipt"]
        if shot and w["fate"] != "mistype":
            L += [f"screenshot {shot}"]
        L += ['tap "Selesai"']
        return L, True

    def officer_sync(self, shot, expect=()):
        L = ['expect-screen welcome', 'tap "Petugas"', f'keys "{PIN}"', 'tap "Buka"',
             "expect-screen officer", 'tap "Sinkronkan dengan drive"', "wait-sync"]
        L += [f'expect "{e}"' for e in expect]
        return L + [f"screenshot {shot}", 'tap "Tutup"']

    def heights(self, j):
        db = sqlite3.connect(f"file:{self.kdir(j, 'data', 'shard.db')}?mode=ro", uri=True)
        rows = db.execute("SELECT height, lower(hex(regid)) FROM receipts ORDER BY height").fetchall()
        db.close()
        return dict(rows)

    # ---- the drive ----
    def drive_new(self):
        d = self.path("drive")
        os.makedirs(os.path.join(d, "plugged"))
        self.img = os.path.join(d, "drive.img")
        with open(self.img, "wb") as f:
            f.truncate(64 << 20)
        self.run(["mkfs.vfat", "-F", "32", "-n", "JARING", self.img])
        shutil.copy(self.key("officer"), os.path.join(d, "OFFICER.KEY"))
        self.run(["mmd", "-i", self.img, "::/JARING"])
        self.run(["mcopy", "-i", self.img, os.path.join(d, "OFFICER.KEY"), "::/JARING/OFFICER.KEY"])

    def plug_in(self):
        """The drive inserted: drive/plugged holds what the image holds."""
        p = self.path("drive", "plugged")
        shutil.rmtree(p)
        os.makedirs(p)
        self.run(["mcopy", "-s", "-n", "-i", self.img, "::/JARING", p + "/"])
        return p

    def plug_out(self):
        """The drive pulled: the image holds what drive/plugged holds."""
        self.run(["mdeltree", "-i", self.img, "::/JARING"])
        self.run(["mcopy", "-s", "-i", self.img, self.path("drive", "plugged", "JARING"), "::/"])

    def import_at_node(self, label, kill_leader=False):
        d = self.plug_in()
        args = [os.path.join(self.bin, "jaring-sync"), "import", "--node", self.leader(), "--drive", d,
                "--consortium", self.key("consortium") + ".pub", "--json"]
        if kill_leader:
            # A node killed mid-ingest: the leader dies (SIGKILL) while the
            # drive's bundles go in; the import gives up on it (exit 3) or
            # was done; the node comes back, the import runs again.
            pr = subprocess.Popen(args + ["--retries", "2", "--max-time", "8"], env=self.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(0.05)
            dead = [i for i in self.procs if self.http[i] == self.leader()][0]
            self.kill_node(dead)
            out, err = pr.communicate()
            self.check(pr.returncode in (0, 1, 3), f"import with the leader killed: exit {pr.returncode}: {err}")
            self.start_node(dead)
            self.wait_leader()
            self.fault_log.append(f"node {dead} (the leader) killed mid-ingest: the import exited {pr.returncode}, "
                                  "ran again on the new leader")
            args[3] = self.leader()
        p = self.run(args)
        self.plug_out()
        with open(self.path("drive", f"import-{label}.json"), "w") as f:
            f.write(p.stdout)
        return json.loads(p.stdout)

    # ---- the network link ----
    def push(self, j, label, cut=False):
        url, proxy = self.leader(), None
        if cut:
            # a link that drops: a proxy cuts the upload after 1,500 bytes
            # (twice); push asks the node where it got to and resumes
            pf = self.kdir(j, "cutproxy.port")
            proxy = subprocess.Popen([self.cutproxy, "--to", url.split("//")[1], "--port-file", pf,
                                      "--cut-up", "1500", "--cuts", "2"], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            end = time.time() + 10
            while not (os.path.exists(pf) and open(pf).read().strip()) and time.time() < end:
                time.sleep(0.05)
            url = "http://127.0.0.1:" + open(pf).read().strip()
        try:
            p = self.tool("jaring-sync", "push", "--url", url, "--shard", self.kdir(j, "data", "shard.db"),
                          "--key", self.kdir(j, "data", "kiosk.key"), "--consortium", self.key("consortium") + ".pub",
                          "--spool", self.kdir(j, "spool"), "--json")
        finally:
            if proxy is not None:
                proxy.terminate()
                proxy.wait()
        with open(self.kdir(j, f"push-{label}.json"), "w") as f:
            f.write(p.stdout)
        r = json.loads(p.stdout)
        if cut:
            self.check(r.get("retries", 0) >= 1, f"the push went through a link that dropped: {r}")
            self.fault_log.append(f"a link that drops: kiosk {j + 1}'s push cut twice, resumed, "
                                  f"{r.get('retries')} retries, {r.get('sent')} bytes sent for {r.get('bytes')}")
        return r

    def stats(self):
        with urllib.request.urlopen(self.leader() + "/v1/stats", timeout=5) as r:
            return json.loads(r.read())

    def node_registrations(self):
        return self.stats()["registrations"]

    # ---- the field's faults (--faults, tests/e2e) ----
    def pulled_mid_export(self, j):
        """The officer pulls the drive while the kiosk is writing its
        bundles: only whole bundles stay; the next visit writes the rest."""
        d = self.plug_in()
        pr = subprocess.Popen([os.path.join(self.bin, "jaring-sync"), "export", "--drive", d,
                               "--shard", self.kdir(j, "data", "shard.db"), "--key", self.kdir(j, "data", "kiosk.key"),
                               "--consortium", self.key("consortium") + ".pub", "--blocks-per-bundle", "1"],
                              env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kfolder = None
        end = time.time() + 20
        while pr.poll() is None and time.time() < end:
            for root, _, files in os.walk(os.path.join(d, "JARING", "UP")):
                if sum(1 for f in files if f.endswith(".JRB")) >= 2:
                    kfolder = root
            if kfolder:
                break
            time.sleep(0.002)
        pr.kill()
        pr.wait()
        self.plug_out()
        d = self.plug_in()
        p = self.tool("jaring-sync", "inspect", "--drive", d, "--json")
        whole = p.stdout.count('"first"')
        self.check(pr.returncode != 0 or whole >= 1, "the export was stopped mid-way")
        self.plug_out()
        self.fault_log.append(f"a drive pulled mid-export at kiosk {j + 1}: the drive kept whole bundles only "
                              f"(jaring-sync inspect), the officer's next sync wrote the rest")

    def forged_bundle(self):
        """A bundle from a kiosk the programme never provisioned (its own key,
        sealed to the real consortium key) slipped onto the drive: the node
        refuses it, applies the rest."""
        j = len(KIOSKS)                          # kiosks/kiosk6: the forger's
        os.makedirs(self.kdir(j, "receipts"), exist_ok=True)
        w = dict(self.workers[0], nik=self.workers[0]["nik"][:12] + "9999", name="PALSU CONTOH", fate="register")
        lines, _ = self.register(w, j)
        self.session(j, "forger", ['tap "Mulai"'] + lines)
        d = self.plug_in()
        listed = lambda sub: set(os.listdir(os.path.join(d, "JARING", sub))) \
            if os.path.isdir(os.path.join(d, "JARING", sub)) else set()
        genuine = {sub: listed(sub) for sub in ("UP", "DOWN")}
        self.tool("jaring-sync", "export", "--drive", d, "--shard", self.kdir(j, "data", "shard.db"),
                  "--key", self.kdir(j, "data", "kiosk.key"), "--consortium", self.key("consortium") + ".pub")
        before = self.node_registrations()
        p = self.tool("jaring-sync", "import", "--node", self.leader(), "--drive", d,
                      "--consortium", self.key("consortium") + ".pub", "--json", ok=(1,))
        r = json.loads(p.stdout)
        self.check(r.get("refused") == 1, f"the forged bundle refused: {p.stdout[:300]}")
        on_drive = sum(self.height[k] for k in range(len(KIOSKS)) if KIOSKS[k][1] == "drive")
        self.check(self.node_registrations() == on_drive,
                   f"after the forged bundle the centre holds {self.node_registrations()} registrations (was {before}),"
                   f" the drive's kiosks {on_drive}")
        # The officer takes the forger's folder off the drive.
        for sub in ("UP", "DOWN"):
            for name in listed(sub):
                if name not in genuine[sub]:
                    shutil.rmtree(os.path.join(d, "JARING", sub, name))
        self.plug_out()
        self.fault_log.append("a forged bundle (a kiosk never provisioned) on the drive: refused by the node "
                              f"({r.get('refused')} refused), the genuine bundles applied")

    def restored_backup(self, j):
        """Kiosk j's card put back from the copy made at provisioning, after
        the centre acknowledged its blocks: the kiosk sees an acknowledgement
        above its own height, refuses to register, and says what to do."""
        r = self.kdir(j, "restored")
        if os.path.exists(r):
            shutil.rmtree(r)
        shutil.copytree(self.kdir(j, "backup-at-provisioning"), os.path.join(r, "data"))
        d = self.plug_in()
        shutil.copytree(os.path.join(d, "JARING"), os.path.join(r, "drive", "JARING"))
        self.session(j, "restored-from-backup", self.officer_sync("restored-sync", [
            "the shard was restored from an old copy; do not register"]),
            data="../restored/data", drive="../restored/drive")
        self.fault_log.append(f"kiosk {j + 1} restored from an old backup: it refused to register and showed the "
                              "recovery procedure; the genuine kiosk went on")

    def pull(self, j, label):
        p = self.tool("jaring-sync", "pull", "--url", self.leader(), "--key", self.kdir(j, "data", "kiosk.key"),
                      "--consortium", self.key("consortium") + ".pub", "--spool", self.kdir(j, "spool"), "--json")
        with open(self.kdir(j, f"pull-{label}.json"), "w") as f:
            f.write(p.stdout)
        return json.loads(p.stdout)

    # ---- acts ----
    def regs_file(self, name, regids):
        p = self.path("acts", name)
        with open(p, "w") as f:
            f.write("".join(r + "\n" for r in regids))
        return p

    def approve_all(self, regids, label):
        if not regids:
            return
        f = self.regs_file(f"approve-{label}.txt", regids)
        for a in AGENCIES:
            p = self.admin("approve", "--key", self.key(a), "--regs-file", f, "--json")
            self.check('"outcome":"applied"' in p.stdout, f"{a} approval: {p.stdout}")

    # ---- the cycle ----
    def main(self):
        if os.path.exists(self.out):
            shutil.rmtree(self.out)
        for d in ("keys", "acts", "reports", "receipts", "screens"):
            os.makedirs(self.path(d))
        try:
            self.cycle()
        finally:
            self.stop_cluster()

    def cycle(self):
        self.stage("synthetic workers")
        self.make_workers()
        fates = {}
        for w in self.workers:
            fates[w["fate"]] = fates.get(w["fate"], 0) + 1
        self.progress(f"  {len(self.workers)} workers: " + ", ".join(f"{v} {k}" for k, v in sorted(fates.items())))

        self.stage("the cluster: 3 jaring-node on loopback")
        self.start_cluster()

        self.stage("keys: the officer, the verification team, two regional heads, three funders")
        self.make_keys()

        self.stage("five kiosks provisioned, each with its own key")
        for j, (village, _) in enumerate(KIOSKS):
            os.makedirs(self.kdir(j, "receipts"))
            self.session(j, "provision", ["tap \"Mulai\"", "screenshot setup"])
            self.check(os.path.exists(self.kdir(j, "data", "kiosk.key")), f"kiosk {j + 1} has its key")
            self.progress(f"  kiosk {j + 1}: {village} {self.names[village]} ({self.names[village[:5]]}), {KIOSKS[j][1]}")
        n = self.roster()
        self.progress(f"  roster serial 1 applied on the cluster: {n} members")
        self.drive_new()
        os.makedirs(self.kdir(4, "spool", "JARING"))
        shutil.copy(self.key("officer"), self.kdir(4, "spool", "JARING", "OFFICER.KEY"))

        # regs[(kiosk, height)] = (worker, kind)
        self.regs = {}
        self.latest = {}        # worker -> (kiosk, height) of their current receipt

        self.height = {}
        if self.faults:
            # a copy of kiosk 3 as it was at provisioning: the old backup
            shutil.copytree(self.kdir(2, "data"), self.kdir(2, "backup-at-provisioning"))

        self.stage("day 1: workers register at the kiosks (two sessions at a time); the officer syncs")
        self.parallel([(self.day1, j) for j in range(len(KIOSKS))])
        for j in range(len(KIOSKS)):
            if KIOSKS[j][1] != "drive":
                continue
            if self.faults and j == 3:
                self.pulled_mid_export(j)
            self.sync_session(j, "day1-sync", ["Belum ada jawaban dari pusat di drive ini"])
        self.counts["registered_day1"] = len(self.regs)
        self.check(len(self.regs) == sum(self.height.values()), "the kiosks' heights add up")

        self.stage("the drive at a node (import --node); the link kiosk pushes")
        if self.faults:
            self.forged_bundle()
        r = self.import_at_node("day1")
        self.progress(f"  drive: {r.get('bundles')} bundles, {r.get('applied')} blocks applied, "
                      f"{r.get('answers')} answers written back")
        r = self.push(4, "day1", cut=self.faults)
        self.check(r.get("complete") is True, f"kiosk 5 push complete: {r}")
        self.progress(f"  link: kiosk 5 pushed {r.get('blocks_applied')} blocks, acknowledged {r.get('acked_height')}"
                      + (f", {r.get('retries')} retries over a link that dropped" if self.faults else ""))
        self.check(self.node_registrations() == len(self.regs),
                   f"the centre holds {self.node_registrations()} registrations, the kiosks {len(self.regs)}")
        self.regids = {}
        for j in range(len(KIOSKS)):
            for h, rid in self.heights(j).items():
                self.regids[(j, h)] = rid
        self.check(len(self.regids) == len(self.regs), "one receipt per registration")

        self.stage("the verification team: approvals by the four agencies, returns with reasons")
        ret = [self.regids[k] for k, v in self.regs.items() if v[0]["fate"] == "returned"]
        ok = [self.regids[k] for k, v in self.regs.items() if v[0]["fate"] != "returned"]
        self.approve_all(ok, "day1")
        f = self.regs_file("return-day1.txt", ret)
        if ret:
            self.admin("return", "--key", self.key("dpmd"), "--regs-file", f, "--reason", "ADDRESS_INVALID")
        if ok:
            self.admin("comment", "--key", self.key("diskominfo"), "--reg", ok[0], "--text", "alamat dicek petugas lapangan")
        self.progress(f"  {len(ok)} approved by {len(AGENCIES)} agencies, {len(ret)} returned (ADDRESS_INVALID)")
        self.counts["approved_day1"] = len(ok)
        self.counts["returned"] = len(ret)

        self.stage("statuses back: the drive at the node again; the link kiosk pulls")
        self.import_at_node("review")
        r = self.pull(4, "review")
        self.progress(f"  link: kiosk 5 pulled {r.get('statuses')} statuses")

        self.stage("day 2: the officer brings the statuses; corrections; two workers register again elsewhere")
        for j in range(len(KIOSKS)):
            self.sync_session(j, "day2-sync-in", ["Sinkronisasi selesai."])
        if self.faults:
            self.restored_backup(2)
        self.parallel([(self.session, j, "day2", self.day2_lines(j)) for j in range(len(KIOSKS))])
        for j in range(len(KIOSKS)):
            self.sync_session(j, "day2-sync-out")

        self.stage("the corrections and the second registrations to the centre")
        self.import_at_node("day2", kill_leader=self.faults)
        r = self.push(4, "day2")
        self.check(r.get("complete") is True, f"kiosk 5 push complete: {r}")
        self.check(self.node_registrations() == len(self.regs),
                   f"the centre holds {self.node_registrations()} registrations, the kiosks {len(self.regs)}")
        new = {}
        for j in range(len(KIOSKS)):
            for h, rid in self.heights(j).items():
                if (j, h) not in self.regids:
                    new[(j, h)] = rid
                self.regids[(j, h)] = rid
        corr = [rid for k, rid in new.items() if self.regs[k][1] == "correction"]
        self.approve_all(corr, "corrections")
        self.progress(f"  {len(corr)} corrections approved; {len(self.dups)} workers registered twice:"
                      " the centre's de-duplication decides (their receipts are scanned on day 3)")

        self.stage("decrees: each regional head, the four sponsor types of Table 1; the first month paid")
        self.decrees()

        self.stage("statuses back to every kiosk")
        self.import_at_node("decree")
        r = self.pull(4, "decree")
        self.progress(f"  link: kiosk 5 pulled {r.get('statuses')} statuses")

        self.stage("day 3: the officer brings the statuses; every worker scans their receipt at their kiosk")
        for j in range(len(KIOSKS)):
            self.sync_session(j, "day3-sync", ["Sinkronisasi selesai."])
        self.parallel([(self.session, j, "day3", self.day3_lines(j)) for j in range(len(KIOSKS))])
        for j in range(len(KIOSKS)):
            for f in os.listdir(self.kdir(j, "receipts")):
                shutil.copy(self.kdir(j, "receipts", f), self.path("receipts", f"kiosk{j + 1}-{f}"))
        self.progress(f"  {self.counts['scanned']} receipts scanned, every status as the centre decided")
        self.write_kiosk_confs()

        self.stage("the public export (jaring-node export) checked by jaring-audit")
        self.audit()
        self.stage("the public page of a node (headless Chromium) and its coverage chart")
        self.public_page()
        self.stage("the agencies' queue, reports and chart (jaring-admin on a node's state file); "
                   "BPJS Ketenagakerjaan's confirmation reconciled")
        self.agency_reports()
        self.stage("summary")
        self.summary()

    def day1_lines(self, j, mine, h):
        L = []
        shots = {"register": "receipt", "mistype": "nik-mistyped"}
        for w in mine:
            shot = shots.pop(w["fate"], None)
            lines, registers = self.register(w, j, shot)
            L += lines
            if registers:
                h += 1
                self.regs[(j, h)] = (w, "first")
                self.latest[w["i"]] = (j, h)
                L += [f"expect-height {h}"]
        return L, h

    def day1(self, j):
        mine = [w for w in self.workers if w["kiosk"] == j]
        h = 0
        if self.faults and j == 1 and len(mine) > 2:
            # A power cut mid-registration: the kiosk dies (SIGKILL) with a
            # worker half-way through the form. Everything with a receipt
            # must be there when it comes back; the half-filled form is gone.
            cut = len(mine) // 2
            L, h = self.day1_lines(j, mine[:cut], 0)
            w = mine[cut]
            L += ["expect-screen welcome", 'tap "Daftar"', 'tap "Saya setuju"', f'keys "{w["nik"]}"',
                  'tap "Lanjut"', f'keys "{w["name"]}"', "touch-file power-cut", "wait 60000"]
            self.session(j, "day1-before-power-cut", L, cut_at="power-cut")
            self.fault_log.append(f"power cut mid-registration at kiosk {j + 1}: {h} receipts given before it")
            L2, h = self.day1_lines(j, mine[cut:], h)
            self.session(j, "day1", [f"expect-height {self.count_before(h, mine[cut:])}", "expect-screen welcome"] + L2)
        elif self.faults and j == 0:
            # The printer runs out of paper at the first receipt; the
            # registration is kept, paper goes in, "Print again" prints it.
            L, h = self.day1_lines(j, mine[:1], 0)
            i = L.index('tap "Selesai"')
            L[i:i] = ['expect "Kertas printer habis. Pendaftaran Anda sudah tersimpan."', "screenshot printer-out-of-paper",
                      "expect-height 1", "touch-file paper-in", 'tap "Cetak lagi"', 'expect "Bukti sudah dicetak"']
            L2, h = self.day1_lines(j, mine[1:], h)
            with PaperPrinter(self.kdir(j, "day1", "paper-in")) as pr:
                self.session(j, "day1", L + L2, printer=pr.path)
            self.check(pr.printed >= h, f"the printer printed {pr.printed} receipts of {h}")
            self.fault_log.append(f"printer out of paper at kiosk {j + 1}: registration kept, printed again")
        else:
            L, h = self.day1_lines(j, mine, 0)
            self.session(j, "day1", L)
        self.height[j] = h
        self.progress(f"  kiosk {j + 1}: {h} registered ({sum(1 for w in mine if w['fate'] == 'abandon')} left the form,"
                      f" {sum(1 for w in mine if w['fate'] == 'mistype')} mistyped their NIK first)")

    def count_before(self, h, rest):
        return h - sum(1 for w in rest if w["fate"] != "abandon")

    def sync_session(self, j, name, expect=()):
        drive = KIOSKS[j][1] == "drive"
        if drive:
            self.plug_in()
        self.session(j, name, self.officer_sync("officer-sync", expect))
        if drive:
            self.plug_out()

    def day2_lines(self, j):
        L = []
        h = self.height[j]
        first_shot = True
        for (k, hh), (w, kind) in sorted(self.regs.items(), key=lambda x: x[0]):
            if k != j or w["fate"] != "returned" or kind != "first":
                continue
            L += [f"camera-file ../receipts/receipt-{hh:06d}.png", 'tap "Cek status"', 'tap "Pindai bukti saya"',
                  'expect "Dikembalikan untuk diperbaiki:"']
            if first_shot:
                L += ["screenshot status-returned"]
            L += ['tap "Perbaiki data saya"']
            fixed = dict(w, address=w["address"].replace("DUKUH CONTOH", "DUKUH CONTOH BARAT NO 5"))
            L += self.form(fixed) + ['tap "Kirim perbaikan"', "expect-screen receipt"]
            if first_shot:
                L += ["screenshot receipt-correction"]
                first_shot = False
            L += ['tap "Selesai"']
            h += 1
            L += [f"expect-height {h}", f"expect-record {h} corrects {hh}"]
            self.regs[(j, h)] = (w, "correction")
            self.latest[w["i"]] = (j, h)
        for w in self.dups:
            if w["dup_at"] != j:
                continue
            lines, _ = self.register(dict(w, fate="register"), j)
            L += lines
            h += 1
            L += [f"expect-height {h}"]
            self.regs[(j, h)] = (w, "again")
            w["again"] = (j, h)
        self.progress(f"  kiosk {j + 1}: {h - self.height[j]} new registrations (corrections, second ones)")
        self.height[j] = h
        return L

    def decrees(self):
        # Who is a recipient: every registration approved by all four and
        # not returned or duplicate, by regency.
        recip = {"3328": [], "3376": []}
        for (j, h), (w, kind) in sorted(self.regs.items()):
            if kind == "again" or (w["fate"] == "returned" and kind == "first"):
                continue
            recip[KIOSKS[j][0][:5].replace(".", "")].append(((j, h), self.regids[(j, h)], w))
        rows = []
        pays = []
        self.decreed = {}
        no = 0
        for region, rs in recip.items():
            head = f"head-{region}"
            groups = [rs[g::len(SPONSORS)] for g in range(len(SPONSORS))]
            for (stype, sname, signer, months), grp in zip(SPONSORS, groups):
                if not grp:
                    continue
                no += 1
                signer = head if signer == "head" else signer
                alloc = f"{stype.upper()}-{region}-{self.start_month // 100}"
                amount = len(grp) * months * CONTRIBUTION
                self.admin("allocate", "--key", self.key(signer), "--id", alloc, "--sponsor-type", stype,
                           "--sponsor", f"{sname} (sintetis)", "--amount", str(amount), "--months", str(months),
                           "--region", region)
                number = f"100.3.3/{no}/{self.start_month // 100}"
                f = self.regs_file(f"decree-{no}.txt", [g[1] for g in grp])
                p = self.admin("decree", "--key", self.key(head), "--number", number, "--region", region,
                               "--allocation", alloc, "--start", str(self.start_month), "--months", str(months),
                               "--regs-file", f, "--json")
                ans = json.loads(p.stdout)
                pay_amount = len(grp) * CONTRIBUTION
                p2 = self.admin("pay", "--key", self.key(signer), "--allocation", alloc, "--month",
                                str(self.start_month), "--amount", str(pay_amount), "--json")
                ans2 = json.loads(p2.stdout)
                for (k, rid, w) in grp:
                    self.decreed[k] = (number, months)
                rows.append([number, region, self.names[region[:2] + "." + region[2:]], alloc, stype, sname,
                             len(grp), self.start_month, months, amount, ans.get("index")])
                pays.append([alloc, self.start_month, len(grp), pay_amount, ans2.get("index"), ans2.get("outcome")])
                with open(self.path("reports", f"recipients-{number.replace('/', '_')}.csv"), "w",
                          newline="", encoding="utf-8") as fh:
                    wr = csv.writer(fh)
                    wr.writerow(["decree", "registration_id", "kiosk", "height"])
                    for (k, rid, w) in grp:
                        wr.writerow([number, rid, k[0] + 1, k[1]])
        with open(self.path("reports", "decrees.csv"), "w", newline="", encoding="utf-8") as fh:
            wr = csv.writer(fh)
            wr.writerow(["decree", "region", "region_name", "allocation", "sponsor_type", "sponsor_type_table1",
                         "recipients", "start", "months", "allocation_rp", "log_index"])
            wr.writerows(rows)
        with open(self.path("reports", "payments.csv"), "w", newline="", encoding="utf-8") as fh:
            wr = csv.writer(fh)
            wr.writerow(["allocation", "month", "recipients", "amount_rp", "log_index", "outcome"])
            wr.writerows(pays)
        self.counts["decrees"] = len(rows)
        self.counts["decreed"] = sum(r[6] for r in rows)
        self.counts["paid_rp"] = sum(p[3] for p in pays)
        for region in recip:
            self.progress(f"  {self.names[region[:2] + '.' + region[2:]]}: {len(recip[region])} recipients in "
                          f"{sum(1 for r in rows if r[1] == region)} decrees")

    def status_text(self, k, w, kind):
        if kind == "again":
            return "NIK ini sudah terdaftar"
        if k in self.decreed:
            number, months = self.decreed[k]
            y, m = divmod(self.start_month, 100)
            ey, em = divmod(y * 12 + m - 1 + months - 1, 12)
            last = calendar.monthrange(ey, em + 1)[1]
            return (f"Terlindungi dari 01-{m:02d}-{y} sampai {last:02d}-{em + 1:02d}-{ey}. "
                    f"Iuran sudah dibayar sampai {m:02d}-{y}.")
        return None

    def day3_lines(self, j):
        L = []
        seen = {}
        scanned = 0
        for (k, h), (w, kind) in sorted(self.regs.items()):
            if k != j:
                continue
            if kind != "again" and self.latest.get(w["i"]) != (k, h):
                continue
            want = self.status_text((k, h), w, kind)
            self.check(want is not None, f"kiosk {j + 1} height {h}: an expected status")
            L += [f"camera-file ../receipts/receipt-{h:06d}.png", 'tap "Cek status"', 'tap "Pindai bukti saya"',
                  f'expect "{want}"']
            if want not in seen:
                seen[want] = True
                L += [f"screenshot status-{len(seen)}"]
            L += ['tap "Selesai"']
            scanned += 1
            self.counts["scanned_401"] = self.counts.get("scanned_401", 0) + (kind == "again")
        self.counts["scanned"] = self.counts.get("scanned", 0) + scanned
        return L

    def caught_up(self, i, timeout=30):
        """Waits until node i applied everything the leader has."""
        want = self.health([n for n in self.procs if self.http[n] == self.leader()][0])["tree_size"]
        end = time.time() + timeout
        while time.time() < end:
            h = self.health(i)
            if h and h.get("tree_size", 0) >= want and h.get("applied") == h.get("commit"):
                return
            time.sleep(0.1)
        raise Failed(f"node {i} did not apply the log's {want} leaves in {timeout} s")

    def cosigned(self):
        """Waits until a quorum cosigned a checkpoint of the whole log."""
        size = self.health([i for i in self.procs if self.http[i] == self.leader()][0])["tree_size"]
        end = time.time() + 30
        while time.time() < end:
            try:
                with urllib.request.urlopen(self.leader() + "/checkpoint", timeout=2) as r:
                    cp = r.read().decode()
                if int(cp.split("\n")[1]) >= size:
                    return cp
            except Exception:
                pass
            time.sleep(0.2)
        raise Failed(f"no checkpoint of {size} leaves was cosigned by a quorum in 30 s")

    def audit(self):
        audit = os.path.join(self.bin, "jaring-audit")
        if not os.path.exists(audit):
            self.progress("  not built yet: jaring-audit is not in this build")
            return
        cp = self.cosigned()
        with open(self.path("reports", "checkpoint"), "w") as f:
            f.write(cp)
        i = [i for i in self.procs if self.http[i] == self.leader()][0]
        self.tool("jaring-node", "export", "--config", self.path("cluster", f"node{i}.conf"),
                  "--out", self.path("public-export"))
        p = self.run([audit, "--policy", self.path("cluster", "cosign.policy"), "--consortium",
                      self.key("consortium") + ".pub", self.path("public-export")], ok=(0, 1))
        with open(self.path("reports", "audit.txt"), "w") as f:
            f.write(p.stdout + p.stderr)
        self.check(p.returncode == 0, f"jaring-audit accepts the public export: {p.stdout[-400:]} {p.stderr[-400:]}")
        self.progress(f"  jaring-audit accepts the export of {cp.split(chr(10))[1]} leaves (reports/audit.txt)")
        self.counts["audit"] = "accepted"

    def public_page(self):
        try:
            with urllib.request.urlopen(self.leader() + "/public/coverage.svg", timeout=5) as r:
                svg = r.read()
        except Exception as e:
            self.progress(f"  not built yet: the node serves no public page ({e})")
            return
        with open(self.path("reports", "coverage.svg"), "wb") as f:
            f.write(svg)
        self.check(b"<svg" in svg, "the coverage chart is an SVG")
        chrome = shutil.which("chromium") or shutil.which("chromium-browser")
        if chrome is None:
            self.progress("  the public page's screenshot: chromium is not installed (scripts/deps-browser.sh)")
            return
        shot = self.path("screens", "public-page.png")
        p = subprocess.run(["timeout", "60", chrome, "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", "--no-first-run", f"--user-data-dir={self.path('chromium')}",
                            "--window-size=1000,1400", f"--screenshot={shot}", self.leader() + "/public"],
                           capture_output=True, text=True, env=self.env)
        if p.returncode != 0 or not os.path.exists(shot):
            self.progress(f"  the public page's screenshot: chromium cannot run here: {p.stderr.strip()[-200:]}")
            return
        self.check(open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n", "the public page's screenshot is a PNG")
        self.progress("  screens/public-page.png, reports/coverage.svg")

    def csv_rows(self, name):
        with open(self.path("reports", name), newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def agency_reports(self):
        # On node 1's machine: its state file, read only, while it runs.
        state = self.path("cluster", "node1", "state.db")
        p = self.tool("jaring-admin", "queue", "--state", state, "--agency", "dukcapil", "--json")
        q = json.loads(p.stdout)
        with open(self.path("reports", "queue-dukcapil.json"), "w") as f:
            f.write(p.stdout)
        self.check(q["count"] == 0, f"nothing waits for Dukcapil after the reviews: {q['count']}")
        # BPJS Ketenagakerjaan confirms the first month: every decreed worker.
        month = str(self.start_month)
        conf = self.path("reports", f"bpjs-confirmation-{month}.csv")
        with open(conf, "w", newline="", encoding="utf-8") as f:
            wr = csv.writer(f)
            wr.writerow(["nik", "month", "amount_rp"])
            for k in sorted(self.decreed):
                wr.writerow([self.regs[k][0]["nik"], month, CONTRIBUTION])
        self.admin("reflist", "--kind", "payments", "--csv", conf, "--month", month,
                   "--pseudonym-key", self.path("cluster", "pseudonym.key"), "--key", self.key("bpjstk"),
                   "--json")
        self.caught_up(1)  # node 1 applied the list before its file is read
        for name, extra in (("recipients", ["--consortium", self.key("consortium")]), ("sponsors", []),
                            ("coverage", []), ("backlog", []), ("reconciliation", ["--month", month])):
            self.tool("jaring-admin", "report", name, "--state", state, *extra,
                      "--out", self.path("reports", f"report-{name}.csv"))
        self.tool("jaring-admin", "chart", "coverage", "--state", state, "--title",
                  "Penerima bantuan iuran per kecamatan (sintetis)",
                  "--out", self.path("reports", "coverage-by-district.svg"))
        recips = sum(int(r["recipients"]) for r in self.csv_rows("report-recipients.csv"))
        self.check(recips == self.counts["decreed"], f"report recipients: {recips}, decreed {self.counts['decreed']}")
        spons = self.csv_rows("report-sponsors.csv")
        total = [r for r in spons if r["no"] == "total"]
        rows4 = [r for r in spons if r["no"] != "total"]
        self.check(len(rows4) == 4 and len(total) == 1 and
                   sum(int(r["workers"]) for r in rows4) == int(total[0]["workers"]) == self.counts["decreed"],
                   f"report sponsors: Table 1's four rows and their total, {self.counts['decreed']} workers")
        rec = self.csv_rows("report-reconciliation.csv")
        paid = sum(1 for r in rec if r["status"] == "paid")
        self.check(paid == self.counts["decreed"] and all(r["status"] == "paid" for r in rec),
                   f"reconciliation: {paid} paid of {len(rec)} rows")
        self.counts["reconciled"] = paid
        self.progress(f"  queue, 5 CSV reports and the chart in reports/; {paid} recipients paid and confirmed "
                      f"for {month}, none missing, none extra")

    def write_kiosk_confs(self):
        """kiosks/kioskN/kiosk.conf: each kiosk as jaring-kiosk --config opens
        it in a window (--window)."""
        for j, (village, _) in enumerate(KIOSKS):
            drive = self.path("drive", "plugged") if KIOSKS[j][1] == "drive" else self.kdir(j, "spool")
            with open(self.kdir(j, "kiosk.conf"), "w") as f:
                f.write(f"""# kiosk {j + 1} of the field cycle (scripts/field-cycle.py); see assets/kiosk.conf.example
data_dir = {self.kdir(j, 'data')}
village = {village}
consortium_pubkey = {self.key('consortium')}.pub
receipts_dir = {self.kdir(j, 'receipts')}
roster = {self.path('keys', 'roster.jrr')}
sync_drive = {drive}
officer_key = {drive}/JARING/OFFICER.KEY
printer =
language = id
i18n_dir = {HERE}/assets/i18n
""")
            self.run([self.kiosk_bin, "--check-config", self.kdir(j, "kiosk.conf")])

    def summary(self):
        ws = self.workers
        by = lambda f: sum(1 for w in ws if w["fate"] == f)
        regs = len(self.regs)
        first = sum(1 for v in self.regs.values() if v[1] == "first")
        corr = sum(1 for v in self.regs.values() if v[1] == "correction")
        again = sum(1 for v in self.regs.values() if v[1] == "again")
        for i in sorted(self.procs):  # the last acts applied on every node before they are compared
            self.caught_up(i)
        st = {i: self.health(i) for i in (1, 2, 3)}
        hashes = {h.get("state_hash") for h in st.values() if h}
        node_regs = self.node_registrations()
        # /v1/stats suppresses cells under its minimum: the duplicates are
        # counted from the receipts scanned on day 3, each showing reason 401.
        dup = self.counts.get("scanned_401", 0)
        lines = [
            "Jaring field cycle: summary" + (" (with the field's faults)" if self.faults else ""),
            f"  workers                          {len(ws)}",
            f"    left the form (idle timeout)   {by('abandon')}",
            f"    mistyped NIK, refused, retyped {by('mistype')}",
            f"    registered on day 1            {first}   = {len(ws)} - {by('abandon')}",
            f"  registrations in the kiosks      {regs}   = {first} first + {corr} corrections + {again} at a second kiosk",
            f"  registrations at the centre      {node_regs}   (GET /v1/stats)",
            f"  returned for correction          {self.counts['returned']}   corrected and carried again: {corr}",
            f"  duplicates found by the centre   {dup}   (their second receipt: NIK already registered, reason 401)",
            f"  recipients decreed               {self.counts['decreed']}   = {first} - {self.counts['returned']} returned + {corr} corrections",
            f"  decrees (2 heads x 4 sponsors)   {self.counts['decrees']}",
            f"  first month paid                 Rp{self.counts['paid_rp']:,}   = {self.counts['decreed']} x Rp{CONTRIBUTION:,}",
            f"  receipts scanned at the kiosks   {self.counts['scanned']}   = {self.counts['decreed']} protected + {again} not accepted",
            f"  nodes agreeing on the state hash {sum(1 for h in st.values() if h)} of 3 ({len(hashes)} distinct hash)",
            f"  jaring-audit, the public export  {self.counts.get('audit', 'not run (not built)')}",
            f"  first month confirmed by BPJS    {self.counts.get('reconciled', 0)}   paid, 0 missing, 0 extra (reports/report-reconciliation.csv)",
        ]
        if self.faults:
            lines.append(f"  faults survived                  {len(self.fault_log)}")
            lines += [f"    - {f}" for f in self.fault_log]
        self.check(first == len(ws) - by("abandon"), "registered = workers - abandoned")
        self.check(node_regs == regs, f"the centre holds {node_regs} registrations, the kiosks {regs}")
        self.check(dup == again, f"duplicates: {dup} at the centre, {again} registered twice")
        self.check(self.counts["decreed"] == first - self.counts["returned"] + corr, "decreed reconciles")
        self.check(self.counts["paid_rp"] == self.counts["decreed"] * CONTRIBUTION, "paid reconciles")
        self.check(self.counts["scanned"] == self.counts["decreed"] + again, "scanned reconciles")
        self.check(len(hashes) == 1, f"the nodes agree: {hashes}")
        lines += [f"  checks passed                    {self.checks}",
                  f"  time                             {time.time() - self.t0:.1f} s",
                  f"  output                           {self.out}"]
        text = "\n".join(lines) + "\n"
        with open(self.path("summary.txt"), "w") as f:
            f.write(text)
        drive = 0
        for root, _, files in os.walk(self.path("drive", "plugged")):
            drive += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        with open(self.path("summary.json"), "w") as f:  # for scripts (tests/bench/field_cycle.sh)
            json.dump({"workers": len(ws), "registrations": regs, "at_centre": node_regs,
                       "decreed": self.counts["decreed"], "paid_rp": self.counts["paid_rp"],
                       "scanned": self.counts["scanned"], "drive_bytes": drive,
                       "seconds": round(time.time() - self.t0, 2), "checks": self.checks}, f)
            f.write("\n")
        print(text, end="")


HELP = """scripts/field-cycle.py: the programme's whole field cycle on one machine,
headless (the main job of ./make.sh run; docs/cycle.md).

usage: scripts/field-cycle.py BUILD_DIR OUT_DIR [--workers N] [--faults] [--window N]
       scripts/field-cycle.py --help

A 3-node jaring-node cluster on loopback, five kiosks in five villages,
synthetic workers registering through jaring-kiosk session scripts, the
officer's FAT32 drive (jaring-sync import --node) and a network link (push,
pull), the agencies' acts, decrees and payments (jaring-admin), every
receipt scanned at its kiosk, the public export checked by jaring-audit, a
one-page summary whose counts must reconcile. OUT_DIR is replaced.

  BUILD_DIR     the build folder (bin/, kiosk/, tests/)
  OUT_DIR       the output folder
  --workers N   synthetic workers (default 200, at least 20)
  --faults      add the field's faults (tests/e2e): a power cut, a printer out
                of paper, a drive pulled mid-export, a forged bundle, a link
                that drops, a kiosk restored from an old backup, a node killed
                mid-ingest
  --window N    with a display, open kiosk N (1..5) of the finished cycle in a
                window

exit status:
  0  the cycle ran and every count reconciled
  1  a step failed (the message says which; the programs' files are in OUT_DIR)
  2  usage error: an unknown option, a missing or bad argument
"""


def usage_error(msg):
    print(f"field-cycle.py: {msg}; see --help", file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    a = argparse.Namespace(workers=200, faults=False, window=0)
    pos = []
    it = iter(argv)
    for arg in it:
        if arg in ("-h", "--help"):
            sys.stdout.write(HELP)
            sys.exit(0)
        elif arg in ("--workers", "--window"):
            v = next(it, None)
            if v is None or not v.isdigit():
                usage_error(f"option '{arg}' needs a whole number")
            setattr(a, arg[2:], int(v))
        elif arg == "--faults":
            a.faults = True
        elif arg.startswith("-"):
            usage_error(f"unknown option '{arg}'")
        else:
            pos.append(arg)
    if len(pos) != 2:
        usage_error(f"expected BUILD_DIR and OUT_DIR, got {len(pos)} argument(s)")
    a.build, a.out = pos
    if a.workers < 20:
        usage_error(f"--workers {a.workers}: at least 20 (four for each kiosk's stories)")
    if a.window and not (1 <= a.window <= len(KIOSKS)):
        usage_error(f"--window {a.window}: a kiosk 1..{len(KIOSKS)}")
    return a


def main():
    a = parse_args(sys.argv[1:])
    c = Cycle(a.build, a.out, a.workers, a.faults)
    try:
        c.main()
    except Failed as e:
        print(f"field-cycle: FAILED: {e} (the programs' files are in {c.out})", file=sys.stderr)
        sys.exit(1)
    if a.window:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            print("field-cycle: --window: no display (DISPLAY, WAYLAND_DISPLAY); the kiosk stays headless", file=sys.stderr)
            sys.exit(1)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SDL_")}
        os.execve(c.kiosk_bin, [c.kiosk_bin, "--config", c.kdir(a.window - 1, "kiosk.conf")], env)


if __name__ == "__main__":
    main()
