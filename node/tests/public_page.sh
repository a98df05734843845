#!/usr/bin/env bash
# The public page of one jaring-node (a cluster of one) against docs/http.md
# "The public page": registrations of two kiosks in four districts, the
# agencies' approvals, a return, views of personal data, an allocation, a
# decree and a payment, all through the node's HTTP API; then the page in
# both languages, the coverage chart, the check-my-receipt answers (a right
# code, a wrong one, an unknown one, a code two registrations share, the
# rate limit), well-formed HTML and SVG, no personal data in any answer,
# and the pages opened in headless Chromium (skipped, saying so, only if
# chromium cannot run at all).
#   public_page.sh NODE_BIN FIXTURE_BIN WORKDIR [SCREENS_DIR]
# With SCREENS_DIR the screenshots are copied there (docs/screens).
set -euo pipefail
bin=$1 fix=$2 work=$3 screens=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
# shellcheck source=one_node.sh
. "$here/one_node.sh"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true' EXIT
fails=0
fail() { echo "FAIL public_page: $*"; fails=$((fails + 1)); }
"$fix" "$work"
read -r rp hp < <(free_ports 2)
base=http://127.0.0.1:$hp
one_node_init "$bin" "$work" public 127.0.0.1 "$rp" "$hp"
one_node_start "$bin" "$work" "$work/log" || { echo "FAIL public_page: no leader"; tail "$work/log"; exit 1; }
pid=$one_pid

# The page before anything is on the log: a page, not an error.
code=$(curl -s -o "$work/empty.html" -w '%{http_code}' "$base/public")
[ "$code" = 200 ] || fail "the empty page answered $code"
grep -q "Belum ada keputusan" "$work/empty.html" || fail "the empty page has no 'no decree yet'"

post() {
  curl -s -X POST --data-binary @"$1" "$base/v1/acts" >"$work/act.json"
  grep -q '"outcome":"applied"' "$work/act.json" || fail "$(basename "$1"): $(cat "$work/act.json")"
}
post "$work/entries/00.entry"
while read -r id len f; do
  curl -s -X PUT --data-binary @"$f" -H "Upload-Offset: 0" -H "Upload-Length: $len" \
    "$base/v1/bundles/$id" >"$work/put.json"
  grep -q '"state":"applied"' "$work/put.json" || fail "bundle $f: $(cat "$work/put.json")"
  grep -q '"blocks_refused":0' "$work/put.json" || fail "bundle $f refused: $(cat "$work/put.json")"
done <"$work/bundles.txt"
for e in "$work"/entries/*.entry; do
  [ "$(basename "$e")" = 00.entry ] || post "$e"
done
size=$(one_node_settle "$base" "$work")

# fetch NAME URL [curl args...]: the body in $work/NAME, the status in $work/NAME.status
fetch() {
  local name=$1 url=$2; shift 2
  curl -s -D "$work/$name.headers" -o "$work/$name" -w '%{http_code}' "$@" "$url" \
    >"$work/$name.status"
}
has() { grep -qF -- "$2" "$work/$1" || fail "$1 lacks '$2'"; }
hasnt() { ! grep -qF -- "$2" "$work/$1" || fail "$1 holds '$2'"; }
status_is() { [ "$(cat "$work/$1.status")" = "$2" ] || fail "$1 answered $(cat "$work/$1.status"), not $2"; }

# The page builds off the loop: the first answer may be of a smaller log.
for _ in $(seq 1 50); do
  fetch id.html "$base/public"
  grep -qF "Data per ukuran log $size." "$work/id.html" && break
  sleep 0.1
done
fetch en.html "$base/public?lang=en"
fetch root.html "$base/"
fetch id.svg "$base/public/coverage.svg"
fetch en.svg "$base/public/coverage.svg?lang=en"
for n in id.html en.html root.html id.svg en.svg; do status_is "$n" 200; done
has id.html '<html lang="id">'
has en.html '<html lang="en">'
has id.html 'Checkpoint terbaru yang ditandatangani bersama'
has en.html 'Latest cosigned checkpoint'
has id.html 'tlog.test.jaring.id/public'
has id.html "Data per ukuran log $size."
has en.html "Data as of log size $size."
has id.html 'href="/public?lang=en"'
has en.html 'href="/public?lang=id"'
cmp -s "$work/id.html" "$work/root.html" || fail "/ is not the Indonesian page"
grep -qi '^content-type: text/html; charset=utf-8' "$work/id.html.headers" || fail "page type"
grep -qi '^content-type: image/svg+xml' "$work/id.svg.headers" || fail "svg type"
grep -qi "^content-security-policy: default-src 'none'" "$work/id.html.headers" || fail "no CSP"
grep -qi '^content-language: en' "$work/en.html.headers" || fail "no Content-Language en"
# decrees, money, views: the fixture's 16 recipients at Rp16,800
has id.html 'KEP-TGL/001/2024'
has id.html '<td class="n">16</td><td class="n">Rp16.800</td><td class="n">Rp3.225.600</td><td class="n">Rp268.800</td>'
has en.html '<td class="n">16</td><td class="n">Rp16,800</td><td class="n">Rp3,225,600</td><td class="n">Rp268,800</td>'
has id.html 'Jan 2024, 12 bulan'
has en.html 'Jan 2024, 12 months'
has id.html 'APBD Kabupaten Tegal &lt;2024&gt; &amp; &quot;mitra&quot;'
hasnt id.html 'APBD Kabupaten Tegal <2024>'
has id.html '<td>APBD-KAB-2024</td><td>Jan 2024</td><td class="n">1</td><td class="n">16</td><td class="n">Rp268.800</td>'
has en.html 'Access to personal data'
has id.html '<td>Dukcapil</td><td class="n">7</td>'
has id.html '<td>Disnaker</td><td class="n">3</td>'
# per official: Disnaker signed two view acts naming 3 registrations
grep -q '<td>Disnaker</td><td class="n">2</td><td class="n">3</td>' "$work/id.html" ||
  fail "Disnaker's two view acts of 3 registrations are not on the page"
# coverage: 16 registrations at district 1 (14 + the two sharing a code),
# 9 at district 2, 6 at 3 (none decreed), 3 at 4 (suppressed whole)
has id.html 'Cakupan per kecamatan'
has en.html 'Coverage by district'
python3 - "$work/id.html" <<'PY' || fail "coverage table"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
rows = re.findall(r'<tr><td>([^<]*) <span class="code">(33\.28\.0[1-4])</span></td>(.*?)</tr>', page)
got = {code: re.findall(r'<td class="n[^"]*"[^>]*>([^<]*)</td>', cells) for _, code, cells in rows}
want = {  # x: suppressed (under 5, or the second cell hidden beside a lone one)
    "33.28.01": ["16", "x", "x", "0", "0", "10"],
    "33.28.02": ["9", "x", "0", "0", "0", "x"],
    "33.28.03": ["6", "6", "0", "0", "0", "0"],
    "33.28.04": ["x", "x", "0", "0", "0", "0"],
}
ok = True
for code, cells in want.items():
    if got.get(code) != cells:
        print(f"district {code}: {got.get(code)} != {cells}")
        ok = False
sys.exit(0 if ok else 1)
PY
has id.svg '<?xml version="1.0" encoding="UTF-8"?>'
has id.svg 'Pendaftaran dan penerima dalam SK per kecamatan'
has en.svg 'Registrations and decreed recipients by district'

# check NAME ADDR QUERY: the receipt form's answer, from client address ADDR
check() {
  fetch "$1" "$base/public/receipt?$3" --interface "$2"
}
read -r _ ka codea _ < <(grep '^decreed ' "$work/receipts.txt")
read -r _ kr coder _ < <(grep '^returned ' "$work/receipts.txt")
read -r _ kb codeb _ < <(grep '^review ' "$work/receipts.txt")
read -r _ kt codet _ < <(grep '^twin-1 ' "$work/receipts.txt")
read -r _ _ codet2 _ < <(grep '^twin-2 ' "$work/receipts.txt")
[ "$codet" = "$codet2" ] || fail "the fixture's twins have codes $codet and $codet2"
check form.html 127.0.0.2 ""
status_is form.html 200
has form.html '<form method="get" action="/public/receipt">'
check right.html 127.0.0.2 "kiosk=$ka&code=$codea"
status_is right.html 200
has right.html 'Terlindungi: iuran dibayar.'
has right.html 'KEP-TGL/001/2024'
has right.html 'Jan 2024'
has right.html 'Dukcapil'
has right.html 'c2sp.org/tlog-proof@v1'
has right.html 'tlog.test.jaring.id/public'
check right-en.html 127.0.0.2 "lang=en&kiosk=$(echo "$ka" | tr A-Z a-z)&code=$(echo "$codea" | tr -d -)"
status_is right-en.html 200
has right-en.html 'Protected: contributions are paid.'
has right-en.html 'Paid through</th><td>Jan 2024'
has right-en.html "href=\"/public/receipt?lang=id&amp;kiosk="
# the proof proves: its index is the registration's leaf, its note the checkpoint
python3 - "$work/right.html" "$size" <<'PY' || fail "the proof is not a tlog-proof of the checkpoint"
import html, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
proof = html.unescape(re.search(r'<pre id="proof">(.*?)</pre>', page, re.S).group(1))
lines = proof.split("\n")
assert lines[0] == "c2sp.org/tlog-proof@v1", lines[0]
assert lines[1].startswith("index "), lines[1]
note = proof.split("\n\n", 1)[1]
assert note.split("\n")[1] == sys.argv[2], note
PY
check returned.html 127.0.0.3 "kiosk=$kr&code=$coder"
status_is returned.html 200
has returned.html 'Dikembalikan untuk perbaikan.'
has returned.html 'Alasan 211'
check review.html 127.0.0.3 "lang=en&kiosk=$kb&code=$codeb"
status_is review.html 200
has review.html 'Being reviewed by the agencies.'
has review.html '0 of 4 agencies'
# a typo (the check symbol catches it), a code at another kiosk, nonsense
bad=$(python3 -c "import sys; c=sys.argv[1]; print(c[:-1] + ('1' if c[-1] != '1' else '2'))" "$codea")
check wrong.html 127.0.0.4 "kiosk=$ka&code=$bad"
status_is wrong.html 400
has wrong.html 'Kode tanda terima tidak valid'
hasnt wrong.html 'Terlindungi'
check otherkiosk.html 127.0.0.4 "kiosk=$kb&code=$codea"
status_is otherkiosk.html 404
has otherkiosk.html 'Belum ada pendaftaran dengan kode ini'
check badkiosk.html 127.0.0.4 "lang=en&kiosk=%3Cscript%3E&code=$codea"
status_is badkiosk.html 400
has badkiosk.html 'A kiosk code is 8 letters'
has badkiosk.html 'value="&lt;script&gt;"'
hasnt badkiosk.html '<script>'
# the code two registrations share: no status, neither person's
check twin.html 127.0.0.5 "kiosk=$kt&code=$codet"
status_is twin.html 409
has twin.html 'cocok dengan lebih dari satu pendaftaran'
for s in 'Terlindungi' 'Sedang diverifikasi' 'Disetujui' 'Dikembalikan untuk' 'Tidak memenuhi' \
  'tlog-proof' 'Persetujuan'; do
  hasnt twin.html "$s"
done
check twin-en.html 127.0.0.5 "lang=en&kiosk=$kt&code=$codet"
status_is twin-en.html 409
has twin-en.html 'matches more than one registration'
# the rate limit: 10 checks per address, then 429 with Retry-After; another
# address is not held back
for i in $(seq 1 10); do
  check "burst$i.html" 127.0.0.6 "kiosk=$ka&code=$codea"
  status_is "burst$i.html" 200
done
check limited.html 127.0.0.6 "kiosk=$ka&code=$codea"
status_is limited.html 429
has limited.html 'Terlalu banyak pemeriksaan dari alamat Anda'
hasnt limited.html 'Terlindungi'
grep -qi '^retry-after: [1-9]' "$work/limited.html.headers" || fail "429 without Retry-After"
check limited-en.html 127.0.0.6 "lang=en&kiosk=$ka&code=$codea"
status_is limited-en.html 429
has limited-en.html 'Too many checks from your address'
check other.html 127.0.0.7 "kiosk=$ka&code=$codea"
status_is other.html 200

# Well-formed: every tag closed in order, one root; the SVGs parse as XML,
# the inline one too.
python3 "$here/public_wellformed.py" "$work"/*.html "$work"/*.svg || fail "not well-formed"

# No personal data in any answer: not one synthetic NIK, name or phone.
while IFS= read -r p; do
  if grep -rlF -- "$p" "$work"/*.html "$work"/*.svg >/dev/null; then
    fail "an answer holds the personal datum '$p'"
    break
  fi
done <"$work/pii.txt"

# A real browser: headless Chromium renders the pages (no JavaScript needed:
# the CSP forbids every script) and takes their screenshots.
chrome=
for c in chromium chromium-browser; do command -v "$c" >/dev/null && chrome=$c && break; done
shot() { # shot NAME URL: $work/shots/NAME.png
  timeout 60 "$chrome" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --user-data-dir="$work/chrome" --window-size=1000,1400 \
    --screenshot="$work/shots/$1.png" "$2" >"$work/shots/$1.log" 2>&1
}
if [ -z "$chrome" ] || ! timeout 60 "$chrome" --headless=new --no-sandbox --disable-gpu \
    --user-data-dir="$work/chrome" --dump-dom "data:text/html,<p>ok</p>" \
    >"$work/chrome-probe.html" 2>"$work/chrome-probe.log" ||
    ! grep -q '<p>ok</p>' "$work/chrome-probe.html"; then
  echo "public_page: SKIP the browser part: chromium cannot run here" \
    "(${chrome:-not installed; scripts/deps-browser.sh installs it}): $(tail -c 300 "$work/chrome-probe.log" 2>/dev/null)"
else
  mkdir -p "$work/shots"
  timeout 60 "$chrome" --headless=new --no-sandbox --disable-gpu --user-data-dir="$work/chrome" \
    --dump-dom "$base/public?lang=en" >"$work/dom.html" 2>"$work/dom.log" || fail "chromium --dump-dom"
  grep -q 'Coverage by district' "$work/dom.html" || fail "chromium's DOM lacks the page"
  grep -q '<svg' "$work/dom.html" || fail "chromium's DOM lacks the chart"
  shot public-id "$base/public"
  shot public-en "$base/public?lang=en"
  shot receipt-id "$base/public/receipt?kiosk=$ka&code=$codea"
  shot receipt-ambiguous-en "$base/public/receipt?lang=en&kiosk=$kt&code=$codet"
  for s in public-id public-en receipt-id receipt-ambiguous-en; do
    python3 - "$work/shots/$s.png" <<'PY' || fail "screenshot $s: $(tail -c 300 "$work/shots/$s.log")"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", b[16:24])
assert w >= 800 and h >= 600, (w, h)
# not a blank page: the image data compresses to more than a flat colour
assert len(b) > 20000, len(b)
PY
  done
  if [ -n "$screens" ]; then
    mkdir -p "$screens"
    for s in public-id public-en receipt-id receipt-ambiguous-en; do
      cp "$work/shots/$s.png" "$screens/$s.png"
    done
  fi
fi

kill "$pid" && wait "$pid" || true
pid=
[ "$fails" -eq 0 ] && echo "public page: ok" || { echo "public page: $fails failures"; exit 1; }
