/*
 * page_load HOST PORT PATH CONNECTIONS REQUESTS LABEL — a bounded local load
 * client for the node's public page and log (tests/bench/public_page.sh):
 * exactly CONNECTIONS clients on loopback, each sending its next GET as soon
 * as the answer to its last is in, until REQUESTS answers came back. PATH
 * "@FILE" takes the paths from FILE, one a line, the n-th request asking
 * for line n modulo their number (the proofs of many registrations). A client whose
 * answer says "Connection: close" (jaring-node's do) opens a new connection
 * for its next request, and that connect is part of the next latency, as it
 * is for a browser. Prints the latency p50 and p99 and the rate as bench.h rows,
 * LABEL naming them. Exit 1 if any answer is not a 200 with a body.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_CONNS 256
#define BUF_BYTES (8u * 1024u * 1024u)
#define MAX_PATHS 65536
#define PATH_MAX_BYTES 400

struct conn {
	int fd;
	bool reconnect;
	char *buf;
	size_t have;
	double sent;
};

static _Noreturn void fail(const char *msg)
{
	fprintf(stderr, "page_load: %s\n", msg);
	exit(1);
}

/* A decimal number in 1..max, or -1. */
static long number(const char *s, long max)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' || v < 1 || v > max ? -1 : v;
}

static double now_ms(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int dial(const char *host, int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("page_load: connect");
		exit(1);
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void send_get(struct conn *c, const char *host, int port, const char *req)
{
	size_t len = strlen(req);

	c->have = 0;
	c->sent = now_ms();
	if (c->fd < 0)
		c->fd = dial(host, port);
	if (write(c->fd, req, len) != (ssize_t)len) {
		perror("page_load: write");
		exit(1);
	}
}

/* Bytes of a whole answer in c->buf, 0 if not all in yet. */
static size_t complete(struct conn *c)
{
	const char *end, *cl;
	size_t head;
	unsigned long n;

	c->buf[c->have] = '\0';
	if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	if (strncmp(c->buf, "HTTP/1.1 200", 12) != 0) {
		fprintf(stderr, "page_load: answer %.40s\n", c->buf);
		exit(1);
	}
	cl = strcasestr(c->buf, "\r\nconnection: close\r\n");
	c->reconnect = cl != NULL && cl < end;
	cl = strcasestr(c->buf, "\r\ncontent-length:");
	if (cl == NULL || cl > end || (n = strtoul(cl + 17, NULL, 10)) == 0) {
		fputs("page_load: an answer without a body length\n", stderr);
		exit(1);
	}
	return c->have >= head + n ? head + n : 0;
}

/* The GET request of one path (where names it in a message). */
static char *request_of(const char *line, const char *where, const char *host, int port)
{
	size_t len = strlen(line);
	char *req;

	if (len == 0 || len > PATH_MAX_BYTES || line[0] != '/') {
		fprintf(stderr, "page_load: %s: a path must start with / and be at most %d bytes:"
			" '%.60s'\n", where, PATH_MAX_BYTES, line);
		exit(2);
	}
	if ((req = malloc(len + 128)) == NULL)
		fail("out of memory");
	(void)snprintf(req, len + 128, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", line,
		host, port);
	return req;
}

/* The requests: of PATH itself, or of every line of FILE for "@FILE".
 * Returns their number. */
static size_t requests(const char *path, const char *host, int port, char ***out)
{
	char line[PATH_MAX_BYTES + 2], **req = calloc(MAX_PATHS, sizeof *req);
	FILE *f;
	size_t n = 0;

	if (req == NULL)
		fail("out of memory");
	*out = req;
	if (path[0] != '@') {
		req[0] = request_of(path, "PATH", host, port);
		return 1;
	}
	if ((f = fopen(path + 1, "r")) == NULL) {
		fprintf(stderr, "page_load: %s: %s\n", path + 1, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (n == MAX_PATHS) {
			fprintf(stderr, "page_load: %s: more than %d paths\n", path + 1, MAX_PATHS);
			exit(2);
		}
		line[strcspn(line, "\r\n")] = '\0';
		req[n++] = request_of(line, path + 1, host, port);
	}
	(void)fclose(f);
	if (n == 0) {
		fprintf(stderr, "page_load: %s holds no path\n", path + 1);
		exit(2);
	}
	return n;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct conn cs[MAX_CONNS];
	struct pollfd pf[MAX_CONNS];
	char **req, name[128];
	double *lat, t0, t1, p50, p99;
	long conns, total, sent = 0, done = 0;
	size_t npaths;
	int port;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		puts("usage: page_load HOST PORT PATH CONNECTIONS(1..256) REQUESTS LABEL\n"
			"A bounded load client for the node's public page and log: CONNECTIONS\n"
			"keep-alive connections send GET PATH until REQUESTS answers are in;\n"
			"PATH @FILE takes one path a line from FILE, in turn. Prints the\n"
			"latency p50 and p99 and the rate as benchmark rows (tests/bench/bench.h).\n"
			"Exit status: 0 done, 1 an answer was not 200 or a connection failed,\n"
			"2 usage error.");
		return 0;
	}
	if (argc != 7 || (port = (int)number(argv[2], 65535)) < 0 ||
	    (conns = number(argv[4], MAX_CONNS)) < 0 ||
	    (total = number(argv[5], 100000000)) < conns) {
		fputs("usage: page_load HOST PORT PATH CONNECTIONS(1..256) REQUESTS LABEL\n",
			stderr);
		return 2;
	}
	npaths = requests(argv[3], argv[1], port, &req);
	if ((lat = calloc((size_t)total, sizeof *lat)) == NULL)
		fail("out of memory");
	t0 = now_ms();
	for (long i = 0; i < conns; i++) {
		cs[i].fd = -1;
		if ((cs[i].buf = malloc(BUF_BYTES + 1)) == NULL)
			fail("out of memory");
		send_get(&cs[i], argv[1], port, req[sent % (long)npaths]);
		pf[i].fd = cs[i].fd;
		pf[i].events = POLLIN;
		sent++;
	}
	while (done < total) {
		if (poll(pf, (nfds_t)conns, 10000) <= 0)
			fail("no answer for 10 s");
		for (long i = 0; i < conns; i++) {
			struct conn *c = &cs[i];
			ssize_t n;
			size_t whole;

			if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			n = read(c->fd, c->buf + c->have, BUF_BYTES - c->have);
			if (n <= 0)
				fail(n < 0 ? strerror(errno) : "a connection closed before its answer");
			c->have += (size_t)n;
			if ((whole = complete(c)) == 0)
				continue;
			if (whole != c->have)
				fail("bytes after an answer");
			lat[done++] = now_ms() - c->sent;
			if (c->reconnect) {
				(void)close(c->fd);
				c->fd = -1;
			}
			if (sent < total) {
				send_get(c, argv[1], port, req[sent % (long)npaths]);
				sent++;
			}
			pf[i].fd = c->fd;
		}
	}
	t1 = now_ms();
	qsort(lat, (size_t)total, sizeof *lat, by_value);
	p50 = lat[(size_t)total / 2];
	p99 = lat[(size_t)((double)total * 0.99)];
	(void)snprintf(name, sizeof name, "%s p50, %ld conns", argv[6], conns);
	jr_bench_row(name, p50, "ms", "", -1);
	(void)snprintf(name, sizeof name, "%s p99, %ld conns", argv[6], conns);
	jr_bench_row(name, p99, "ms", "< 100 ms", p99 < 100.0);
	(void)snprintf(name, sizeof name, "%s rate, %ld conns", argv[6], conns);
	jr_bench_row(name, (double)total / ((t1 - t0) / 1e3), "req/s", "", -1);
	for (long i = 0; i < conns; i++) {
		(void)close(cs[i].fd);
		free(cs[i].buf);
	}
	for (size_t i = 0; i < npaths; i++)
		free(req[i]);
	free(req);
	free(lat);
	return 0;
}
