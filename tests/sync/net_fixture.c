/*
 * net_fixture down CONSORTIUM-KEY KIOSK-KEY OUT SEQ ACKED N: a downstream
 * bundle (kind 2) from the consortium to the kiosk, as the network-link
 * tests put on the stand-in node for `jaring-sync pull`: N synthetic status
 * items of 200 bytes and one acknowledged head (ack.h) for height ACKED,
 * sequence SEQ (SEQ <= ACKED, docs/formats.md "Bundle"). The real
 * downstream content is the centre's; this only has the right framing.
 *
 * net_fixture get URL: prints the body of a GET (the node's /v1/health),
 * exit 1 unless 200, so the tests need no curl program.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "jaring/ack.h"
#include "jaring/bundle.h"

static _Noreturn void die(const char *what, const struct jr_errbuf *eb)
{
	fprintf(stderr, "net_fixture: %s%s%s\n", what, eb ? ": " : "", eb ? eb->msg : "");
	exit(1);
}

static size_t put_out(char *p, size_t size, size_t n, void *ctx)
{
	(void)ctx;
	return fwrite(p, size, n, stdout) * size;
}

static int get(const char *url)
{
	CURL *h = curl_easy_init();
	long status = 0;
	CURLcode cc;

	if (h == NULL)
		return 1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, put_out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	putchar('\n');
	return cc == CURLE_OK && status == 200 ? 0 : 1;
}

static int down(int argc, char **argv);

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "get") == 0)
		return get(argv[2]);
	return down(argc, argv);
}

static int down(int argc, char **argv)
{
	struct jr_errbuf eb = { 0 };
	struct jr_key *cons = NULL;
	struct jr_pubkey kiosk;
	struct jr_bundle_writer *w = NULL;
	struct jr_bundle_params prm = { JR_BUNDLE_DOWNSTREAM, 1700000000, 0, 0 };
	struct jr_ack a;
	struct jr_buf ack = { 0 };
	uint8_t item[200];
	unsigned long i, n;
	int fd;

	if (argc != 8 || strcmp(argv[1], "down") != 0) {
		fputs("usage: net_fixture down CONSORTIUM-KEY KIOSK-KEY OUT SEQ ACKED N\n", stderr);
		return 2;
	}
	prm.first = strtoull(argv[5], NULL, 10);
	prm.last = strtoull(argv[6], NULL, 10);
	n = strtoul(argv[7], NULL, 10);
	if (jr_init() != JR_OK || prm.first > prm.last || prm.last == 0)
		die("arguments", NULL);
	if (jr_key_load(argv[2], &cons, &eb) != JR_OK ||
	    jr_key_load_public(argv[3], &kiosk, &eb) != JR_OK)
		die("keys", &eb);
	memset(&a, 0, sizeof a);
	memcpy(a.kiosk_id, kiosk.id, JR_ID_BYTES);
	a.height = prm.last;
	a.time = 1700000000;
	if (jr_ack_sign(cons, &a, &ack) != JR_OK)
		die("jr_ack_sign", NULL);
	(void)unlink(argv[4]);
	if ((fd = open(argv[4], O_RDWR | O_CREAT | O_EXCL, 0644)) < 0)
		die("cannot create OUT", NULL);
	if (jr_bundle_writer_open_fd(fd, argv[4], cons, &kiosk, &prm, &w, &eb) != JR_OK)
		die("writer", &eb);
	for (i = 0; i < n; i++) {
		memset(item, (int)(i & 0xff), sizeof item);
		memcpy(item, &i, sizeof i);
		if (jr_bundle_writer_add(w, JR_ITEM_STATUS, item, sizeof item, &eb) != JR_OK)
			die("status item", &eb);
	}
	if (jr_bundle_writer_add(w, JR_ITEM_ACK, ack.base, ack.len, &eb) != JR_OK ||
	    jr_bundle_writer_finish(w, NULL, &eb) != JR_OK)
		die("finishing", &eb);
	jr_buf_free(&ack);
	jr_key_free(cons);
	return close(fd) == 0 ? 0 : 1;
}
