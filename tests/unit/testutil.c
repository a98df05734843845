#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "seal_det.h"

static void rm_rf(const char *path)
{
	char cmd[4096];
	int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);

	if (n > 0 && (size_t)n < sizeof cmd && system(cmd) != 0)
		fprintf(stderr, "testutil: could not remove %s\n", path);
}

const char *jr_test_dir(const char *name)
{
	static char dirs[64][1024];
	static unsigned ndirs;
	const char *base = getenv("JR_TEST_TMP");
	char *d;
	int n;

	if (ndirs >= 64)
		fail_msg("jr_test_dir: too many directories");
	if (base == NULL || base[0] == '\0')
		base = "/tmp/jaring-test";
	mkdir(base, 0700);
	d = dirs[ndirs++];
	n = snprintf(d, sizeof dirs[0], "%s/%s.%ld", base, name, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof dirs[0])
		fail_msg("jr_test_dir: path too long");
	rm_rf(d);
	if (mkdir(d, 0700) != 0)
		fail_msg("jr_test_dir: mkdir %s: %s", d, strerror(errno));
	return d;
}

void jr_test_path(char *out, size_t outlen, const char *dir, const char *file)
{
	int n = snprintf(out, outlen, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= outlen)
		fail_msg("jr_test_path: truncated");
}

size_t jr_test_unhex(const char *hex, uint8_t *out, size_t outmax)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v = 0;
		if (isspace((unsigned char)*hex))
			continue;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			fail_msg("jr_test_unhex: bad character '%c'", *hex);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= outmax)
			fail_msg("jr_test_unhex: output too small");
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		fail_msg("jr_test_unhex: odd number of digits");
	return n;
}

char *jr_test_read_source(const char *relpath, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long sz = 0;

	jr_test_path(path, sizeof path, JR_TEST_SOURCE_DIR, relpath);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		fail_msg("cannot size %s", path);
	buf = malloc((size_t)sz + 1);
	if (buf == NULL || fread(buf, 1, (size_t)sz, f) != (size_t)sz)
		fail_msg("cannot read %s", path);
	buf[sz] = '\0';
	(void)fclose(f);
	if (len != NULL)
		*len = (size_t)sz;
	return buf;
}

void jr_test_fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

struct jr_key *jr_test_key(enum jr_role role, uint8_t fill)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	memset(seed, fill, sizeof seed);
	if (jr_key_from_seed(role, seed, &k) != JR_OK)
		fail_msg("jr_test_key: no key for role %d", (int)role);
	return k;
}

struct jr_seal_epoch *jr_test_epoch(const struct jr_key *consortium, int64_t now)
{
	uint8_t esk[32], nseed[32];
	struct jr_pubkey pub;
	struct jr_seal_epoch *e = NULL;

	jr_key_public(consortium, &pub);
	memset(esk, 3, sizeof esk);
	memset(nseed, 4, sizeof nseed);
	if (jr_seal_epoch_open_det(pub.box_pk, esk, nseed, now, &e) != JR_OK)
		fail_msg("jr_test_epoch: cannot open the example epoch");
	return e;
}

char *jr_test_doc_block(const char *relpath, const char *marker)
{
	char *doc = jr_test_read_source(relpath, NULL);
	const char *m = strstr(doc, marker), *open, *close;
	char *out;

	if (m == NULL)
		fail_msg("%s has no block %s", relpath, marker);
	open = strstr(m, "```");
	open = open != NULL ? strchr(open, '\n') : NULL;
	close = open != NULL ? strstr(open + 1, "```") : NULL;
	if (close == NULL)
		fail_msg("%s: the block after %s is not a fenced block", relpath, marker);
	out = strndup(open + 1, (size_t)(close - open - 1));
	if (out == NULL)
		fail_msg("jr_test_doc_block: out of memory");
	free(doc);
	return out;
}
