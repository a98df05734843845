/*
 * cutproxy: a loopback TCP proxy that makes a bad link for the network-link
 * tests: it cuts connections after a number of bytes, drops connections
 * as they arrive, and delays what it forwards. One thread, poll(2).
 *
 *   cutproxy --to HOST:PORT [--listen ADDR:PORT] [--port-file FILE]
 *            [--cut-up N] [--cut-down N] [--cuts C] [--jitter]
 *            [--drop-first K] [--delay-ms D] [--count-file FILE]
 *
 * --cut-up N: a connection is closed once N bytes went client -> server
 * (--cut-down: server -> client), for the first C connections that get
 * that far (--cuts, default 1; 0 = every one). With --jitter each cut
 * comes at a random byte in N/2..N instead. --drop-first K: the first K
 * connections are closed at once. --delay-ms: each read is held that long
 * before it is forwarded. --count-file: "connections cuts drops" written
 * after each change, for the test to read. SIGTERM ends it.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 64
#define BUF 16384

struct pair {
	int cfd, sfd;            /* client side, server side; -1 when unused */
	unsigned long long up, down;
	unsigned long long cut_up, cut_down; /* 0: never */
};

static struct pair pairs[MAX_PAIRS];
static volatile sig_atomic_t stop;
static unsigned long long opt_cut_up, opt_cut_down;
static long opt_cuts = 1, opt_drop_first, opt_delay_ms;
static int opt_jitter;
static long n_conns, n_cuts, n_drops;
static const char *count_file;
static unsigned long long rng = 88172645463325252ULL;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "cutproxy: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void parse_addr(const char *s, struct sockaddr_in *sa)
{
	char buf[64], *colon;

	snprintf(buf, sizeof buf, "%s", s);
	if ((colon = strrchr(buf, ':')) == NULL) {
		fprintf(stderr, "cutproxy: '%s' is not ADDR:PORT\n", s);
		exit(2);
	}
	*colon = '\0';
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
	if (inet_pton(AF_INET, buf, &sa->sin_addr) != 1) {
		fprintf(stderr, "cutproxy: '%s' is not an IPv4 address\n", buf);
		exit(2);
	}
}

static void write_counts(void)
{
	char tmp[4096];
	FILE *f;

	if (count_file == NULL)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", count_file);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%ld %ld %ld\n", n_conns, n_cuts, n_drops);
	if (fclose(f) == 0)
		(void)rename(tmp, count_file);
}

static void close_pair(struct pair *p)
{
	if (p->cfd >= 0)
		close(p->cfd);
	if (p->sfd >= 0)
		close(p->sfd);
	p->cfd = p->sfd = -1;
}

static unsigned long long cut_point(unsigned long long n)
{
	if (n == 0 || (opt_cuts > 0 && n_cuts >= opt_cuts))
		return 0;
	if (!opt_jitter || n < 2)
		return n;
	/* xorshift64: a test's jitter, not a secret */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n / 2 + rng % (n - n / 2 + 1);
}

static void accept_one(int lfd, const struct sockaddr_in *to)
{
	struct pair *p = NULL;
	int cfd = accept(lfd, NULL, NULL), sfd, one = 1, i;

	if (cfd < 0)
		return;
	n_conns++;
	if (n_conns <= opt_drop_first) {
		n_drops++;
		close(cfd);
		write_counts();
		return;
	}
	for (i = 0; i < MAX_PAIRS && p == NULL; i++)
		if (pairs[i].cfd < 0)
			p = &pairs[i];
	if (p == NULL || (sfd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		close(cfd);
		return;
	}
	if (connect(sfd, (const struct sockaddr *)to, sizeof *to) != 0) {
		close(sfd);
		close(cfd); /* the server is down: so is the link */
		write_counts();
		return;
	}
	(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	p->cfd = cfd;
	p->sfd = sfd;
	p->up = p->down = 0;
	p->cut_up = cut_point(opt_cut_up);
	p->cut_down = cut_point(opt_cut_down);
	write_counts();
}

static void delay(void)
{
	struct timespec ts = { opt_delay_ms / 1000, (opt_delay_ms % 1000) * 1000000L };

	if (opt_delay_ms > 0)
		nanosleep(&ts, NULL);
}

/* Moves one read from `from` to `to`; false when the pair is done. */
static int relay(struct pair *p, int from, int to, unsigned long long *count,
	unsigned long long cut)
{
	char buf[BUF];
	size_t want = sizeof buf;
	ssize_t k, w, off = 0;

	if (cut > 0 && cut - *count < want)
		want = (size_t)(cut - *count);
	k = read(from, buf, want);
	if (k <= 0)
		return 0;
	delay();
	while (off < k) {
		w = write(to, buf + off, (size_t)(k - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		off += w;
	}
	*count += (unsigned long long)k;
	if (cut > 0 && *count >= cut) {
		struct linger lg = { 1, 0 }; /* a reset, as a dropped link ends */
		(void)setsockopt(p->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		(void)setsockopt(p->sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		n_cuts++;
		write_counts();
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in la, to;
	struct pollfd pfd[1 + 2 * MAX_PAIRS];
	struct pair *who[1 + 2 * MAX_PAIRS];
	const char *listen_at = "127.0.0.1:0", *port_file = NULL, *to_s = NULL;
	socklen_t sl = sizeof la;
	struct sigaction sa;
	int lfd, one = 1, i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--jitter") == 0) {
			opt_jitter = 1;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "cutproxy: %s needs a value\n", o);
			return 2;
		}
		i++;
		if (strcmp(o, "--to") == 0)
			to_s = v;
		else if (strcmp(o, "--listen") == 0)
			listen_at = v;
		else if (strcmp(o, "--port-file") == 0)
			port_file = v;
		else if (strcmp(o, "--count-file") == 0)
			count_file = v;
		else if (strcmp(o, "--cut-up") == 0)
			opt_cut_up = strtoull(v, NULL, 10);
		else if (strcmp(o, "--cut-down") == 0)
			opt_cut_down = strtoull(v, NULL, 10);
		else if (strcmp(o, "--cuts") == 0)
			opt_cuts = strtol(v, NULL, 10);
		else if (strcmp(o, "--drop-first") == 0)
			opt_drop_first = strtol(v, NULL, 10);
		else if (strcmp(o, "--delay-ms") == 0)
			opt_delay_ms = strtol(v, NULL, 10);
		else {
			fprintf(stderr, "cutproxy: unknown option '%s'\n", o);
			return 2;
		}
	}
	if (to_s == NULL) {
		fputs("usage: cutproxy --to HOST:PORT [options]; see the comment in cutproxy.c\n",
			stderr);
		return 2;
	}
	rng ^= (unsigned long long)getpid() << 17;
	parse_addr(to_s, &to);
	parse_addr(listen_at, &la);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < MAX_PAIRS; i++)
		pairs[i].cfd = pairs[i].sfd = -1;
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&la, sizeof la) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&la, &sl) != 0)
		die("listen");
	if (port_file != NULL) {
		char tmp[4096];
		FILE *f;
		snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
		if ((f = fopen(tmp, "w")) == NULL)
			die("port file");
		fprintf(f, "%u\n", ntohs(la.sin_port));
		if (fclose(f) != 0 || rename(tmp, port_file) != 0)
			die("port file");
	}
	write_counts();
	while (!stop) {
		int n = 1, r;
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < MAX_PAIRS; i++) {
			if (pairs[i].cfd < 0)
				continue;
			pfd[n].fd = pairs[i].cfd;
			pfd[n].events = POLLIN;
			who[n++] = &pairs[i];
			pfd[n].fd = pairs[i].sfd;
			pfd[n].events = POLLIN;
			who[n++] = &pairs[i];
		}
		r = poll(pfd, (nfds_t)n, 200);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll");
		if (pfd[0].revents & POLLIN)
			accept_one(lfd, &to);
		for (i = 1; i < n; i++) {
			struct pair *p = who[i];
			int ok;
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) || p->cfd < 0)
				continue;
			if (pfd[i].fd == p->cfd)
				ok = relay(p, p->cfd, p->sfd, &p->up, p->cut_up);
			else if (pfd[i].fd == p->sfd)
				ok = relay(p, p->sfd, p->cfd, &p->down, p->cut_down);
			else
				continue;
			if (!ok)
				close_pair(p);
		}
	}
	for (i = 0; i < MAX_PAIRS; i++)
		close_pair(&pairs[i]);
	close(lfd);
	return 0;
}
