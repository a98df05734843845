/*
 * CSV reader and field writer (csv.h): RFC 4180, UTF-8.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>

#include "admin.h"
#include "csv.h"

int jr_csv_open(struct jr_csv *c, const char *path)
{
	memset(c, 0, sizeof *c);
	if ((c->f = fopen(path, "rb")) == NULL)
		return failed("cannot read %s: %s", path, strerror(errno));
	return 0;
}

void jr_csv_close(struct jr_csv *c)
{
	if (c->f != NULL)
		(void)fclose(c->f);
	c->f = NULL;
}

size_t jr_csv_count(const struct jr_csv *c)
{
	return c->n;
}

const char *jr_csv_field(const struct jr_csv *c, size_t i)
{
	return i < c->n ? c->buf + c->off[i] : "";
}

/* Is s[0..n) well-formed UTF-8 (RFC 3629)? */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		size_t k = b < 0x80 ? 0 : (b & 0xe0) == 0xc0 ? 1 : (b & 0xf0) == 0xe0 ? 2
			: (b & 0xf8) == 0xf0 ? 3 : 9;
		unsigned long cp = k == 0 ? b : k == 1 ? b & 0x1fu : k == 2 ? b & 0x0fu : b & 0x07u;

		if (k == 9 || (k > 0 && i + k >= n))
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3fu);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static int fail(struct jr_csv *c, const char *why)
{
	(void)snprintf(c->err, sizeof c->err, "%s", why);
	return -1;
}

int jr_csv_next(struct jr_csv *c)
{
	size_t len = 0;
	bool quoted = false, after_quote = false, any = false;
	int ch;

	c->n = 0;
	if (c->records == 0) { /* a byte order mark */
		int a = getc(c->f), b = a == 0xef ? getc(c->f) : EOF, d = b == 0xbb ? getc(c->f) : EOF;

		if (!(a == 0xef && b == 0xbb && d == 0xbf)) {
			if (d != EOF || b != EOF)
				return fail(c, "a byte order mark that is not UTF-8's");
			if (a != EOF)
				(void)ungetc(a, c->f);
		}
	}
	c->off[0] = 0;
	for (;;) {
		ch = getc(c->f);
		if (ch == EOF && quoted)
			return fail(c, "a quoted field is not closed");
		if (ch == EOF && !any)
			return 0;
		any = true;
		if (quoted) {
			if (ch == '"') {
				int next = getc(c->f);

				if (next != '"') {
					quoted = false;
					after_quote = true;
					if (next != EOF)
						(void)ungetc(next, c->f);
					continue;
				}
			}
		} else if (ch == ',' || ch == '\n' || ch == EOF || ch == '\r') {
			if (ch == '\r') {
				int next = getc(c->f);

				if (next != '\n')
					return fail(c, "a CR not followed by LF");
			}
			if (len >= sizeof c->buf || c->n + 1 > JR_CSV_MAX_FIELDS)
				return fail(c, "more fields or bytes than a record may have");
			c->buf[len++] = '\0';
			if (!utf8_ok((const unsigned char *)c->buf + c->off[c->n],
				    len - 1 - c->off[c->n]))
				return fail(c, "bytes that are not UTF-8");
			c->n++;
			after_quote = false;
			if (ch != ',') {
				if (c->records++ == 0)
					c->header_fields = c->n;
				return 1;
			}
			c->off[c->n] = len;
			continue;
		} else if (after_quote) {
			return fail(c, "text after a closing quote");
		} else if (ch == '"') {
			if (len != c->off[c->n])
				return fail(c, "a quote inside an unquoted field");
			quoted = true;
			continue;
		}
		if (len + 1 >= sizeof c->buf)
			return fail(c, "a record longer than 16 KiB");
		c->buf[len++] = (char)ch;
	}
}

void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") != NULL) {
		fputc('"', f);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}
