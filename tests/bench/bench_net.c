/*
 * bench_net: the network link's upload throughput over loopback against raw
 * loopback TCP with the same byte count, measured side by side in one run.
 * Rows as bench_ledger's.
 *
 *   bench_net DIR          (JR_BENCH_NET_MB=32 by default, at most 64)
 *
 * The upload is jr_net_push_bundle (what `jaring-sync push` runs per bundle)
 * of one upstream bundle of SIZE to the stand-in node (tests/sync/standin),
 * started here: HEAD, then PUTs of 1 MiB, each written and fsynced by the
 * node, which at the end reads the whole bundle back (every chunk
 * authenticated) before it answers. The node's state lives in /dev/shm when
 * there is one, so the figure is the link's and the protocol's, not a disk's.
 * Raw is one TCP connection on 127.0.0.1 carrying SIZE bytes in 64 KiB
 * writes to a thread that reads and drops them. Three rounds, each a raw
 * transfer then an upload of a fresh bundle, alternating so that both see
 * the same machine; the best of each is reported (this machine is shared).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "jaring/bundle.h"
#include "jaring/keys.h"
#include "jaring/net.h"

#define ITEM 60000
#define BLOCK 65536

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void row(const char *name, double value, const char *unit, const char *goal, int met)
{
	printf("| %-44s | %12.1f | %-10s | %-22s | %-4s |\n", name, value, unit, goal,
		met < 0 ? "" : met ? "met" : "MISS");
	(void)fflush(stdout);
}

static pid_t node = -1;

static _Noreturn void die(const char *what, const struct jr_errbuf *eb)
{
	if (node > 0)
		kill(node, SIGTERM);
	fprintf(stderr, "bench_net: %s%s%s\n", what, eb ? ": " : "", eb ? eb->msg : "");
	exit(1);
}

static void *drain(void *arg)
{
	static uint8_t buf[BLOCK];
	int lfd = *(int *)arg, fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		die("accept", NULL);
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
	return NULL;
}

static double raw_tcp(uint64_t size)
{
	static uint8_t buf[BLOCK];
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	pthread_t t;
	uint64_t done = 0;
	double t0;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), fd;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0)
		die("listen", NULL);
	if (pthread_create(&t, NULL, drain, &lfd) != 0)
		die("thread", NULL);
	memset(buf, 0xa5, sizeof buf);
	t0 = now_s();
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		die("connect", NULL);
	while (done < size) {
		size_t n = size - done < BLOCK ? (size_t)(size - done) : BLOCK;
		ssize_t k = write(fd, buf, n);
		if (k <= 0)
			die("write", NULL);
		done += (uint64_t)k;
	}
	close(fd);
	pthread_join(t, NULL); /* the reader has every byte */
	t0 = now_s() - t0;
	close(lfd);
	return (double)size / t0 / 1e6;
}

static void make_bundle(const char *path, uint64_t size, const struct jr_key *kiosk,
	const struct jr_pubkey *to)
{
	static const struct jr_bundle_params up = { JR_BUNDLE_UPSTREAM, 1790000000, 0, 0 };
	static uint8_t item[ITEM];
	struct jr_bundle_writer *w;
	struct jr_errbuf eb = { 0 };
	uint64_t i, n = size / (ITEM + 4);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		die("open bundle file", NULL);
	randombytes_buf(item, sizeof item);
	if (jr_bundle_writer_open_fd(fd, path, kiosk, to, &up, &w, &eb) != JR_OK)
		die("writer open", &eb);
	/* Visit items: the stand-in reads them and applies no block. */
	for (i = 0; i < n; i++)
		if (jr_bundle_writer_add(w, JR_ITEM_VISIT, item, sizeof item, &eb) != JR_OK)
			die("writer add", &eb);
	if (jr_bundle_writer_finish(w, NULL, &eb) != JR_OK)
		die("writer finish", &eb);
	close(fd);
}

static pid_t start_node(const char *state, const char *cons, const char *kiosk,
	const char *port_file)
{
	pid_t pid;
	int i;

	(void)unlink(port_file);
	if ((pid = fork()) < 0)
		die("fork", NULL);
	if (pid == 0) {
		execl(JR_BENCH_STANDIN, "standin", "--state", state, "--consortium-key", cons,
			"--kiosk", kiosk, "--port-file", port_file, (char *)NULL);
		_exit(127);
	}
	node = pid;
	for (i = 0; i < 200; i++) {
		struct stat st;
		if (stat(port_file, &st) == 0 && st.st_size > 0)
			return pid;
		usleep(25000);
	}
	die("the stand-in node did not start", NULL);
}

int main(int argc, char **argv)
{
	const char *mb_env = getenv("JR_BENCH_NET_MB");
	char p_cons[1024], p_kiosk[1024], p_bundle[3][1024], p_port[1024], state[1024], url[64];
	struct jr_key *kiosk = NULL, *cons = NULL;
	struct jr_pubkey to;
	struct jr_net_opts o = { 0 };
	struct jr_net_client *c = NULL;
	struct jr_net_applied a;
	struct jr_errbuf eb = { 0 };
	struct jr_buf port = { 0 };
	unsigned long mb = 32;
	uint64_t size;
	double raw = 0, push = 0;
	struct stat st;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_net DIR\n");
		return 2;
	}
	if (mb_env != NULL && mb_env[0] != '\0' && ((mb = strtoul(mb_env, NULL, 10)) < 1 || mb > 63))
		die("JR_BENCH_NET_MB must be 1..63", NULL);
	size = (uint64_t)mb << 20;
	if (jr_init() != JR_OK || jr_net_init() != JR_OK ||
	    jr_key_generate(JR_ROLE_KIOSK, &kiosk) != JR_OK ||
	    jr_key_generate(JR_ROLE_CONSORTIUM, &cons) != JR_OK)
		die("init", NULL);
	jr_key_public(cons, &to);
	if (snprintf(p_cons, sizeof p_cons, "%s/cons.key", argv[1]) >= (int)sizeof p_cons ||
	    snprintf(p_kiosk, sizeof p_kiosk, "%s/kiosk.key", argv[1]) >= (int)sizeof p_kiosk ||
	    snprintf(p_bundle[0], sizeof p_bundle[0], "%s/up0.jrb", argv[1]) >= (int)sizeof p_bundle[0] ||
	    snprintf(p_bundle[1], sizeof p_bundle[1], "%s/up1.jrb", argv[1]) >= (int)sizeof p_bundle[1] ||
	    snprintf(p_bundle[2], sizeof p_bundle[2], "%s/up2.jrb", argv[1]) >= (int)sizeof p_bundle[2] ||
	    snprintf(p_port, sizeof p_port, "%s/port", argv[1]) >= (int)sizeof p_port)
		die("DIR too long", NULL);
	if (stat("/dev/shm", &st) == 0)
		snprintf(state, sizeof state, "/dev/shm/jaring-bench-net.%d", (int)getpid());
	else
		snprintf(state, sizeof state, "%s/node", argv[1]);
	(void)unlink(p_cons);
	(void)unlink(p_kiosk);
	if (jr_key_save(cons, p_cons, &eb) != JR_OK || jr_key_save(kiosk, p_kiosk, &eb) != JR_OK)
		die("saving keys", &eb);
	for (i = 0; i < 3; i++)
		make_bundle(p_bundle[i], size, kiosk, &to);
	if (stat(p_bundle[0], &st) != 0)
		die("bundle", NULL);
	size = (uint64_t)st.st_size;

	(void)start_node(state, p_cons, p_kiosk, p_port);
	if (jr_file_read(p_port, 32, &port, &eb) != JR_OK)
		die("port file", &eb);
	snprintf(url, sizeof url, "http://127.0.0.1:%lu", strtoul((const char *)port.base, NULL, 10));
	jr_buf_free(&port);
	o.url = url;
	if (jr_net_client_new(&o, &c, &eb) != JR_OK)
		die("client", &eb);
	for (i = 0; i < 3; i++) {
		double r = raw_tcp(size), t0 = now_s(), p;

		if (jr_net_push_bundle(c, p_bundle[i], &a, &eb) != JR_OK || a.before)
			die("push", &eb);
		p = (double)size / (now_s() - t0) / 1e6;
		raw = r > raw ? r : raw;
		push = p > push ? p : push;
	}
	kill(node, SIGTERM);
	waitpid(node, NULL, 0);
	node = -1;
	{
		char cmd[1200];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", state);
		if (system(cmd) != 0)
			die("removing the node's state", NULL);
	}
	row("raw loopback TCP, 1 connection (best of 3)", raw, "MB/s", "", -1);
	row("push upload over loopback (best of 3)", push, "MB/s", "", -1);
	row("push upload / raw loopback TCP", 100.0 * push / raw, "%", "", -1);
	row("  bundle size for both", (double)size / 1e6, "MB", "", -1);
	jr_net_client_free(c);
	jr_net_cleanup();
	jr_key_free(kiosk);
	jr_key_free(cons);
	return 0;
}
