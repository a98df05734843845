/*
 * image.c — QR rendering (libqrencode), PNG files (libpng) and QR scanning
 * (libzbar) on 8-bit grayscale images (jaring/image.h).
 *
 * libpng reports errors by longjmp. Each libpng session here keeps all of
 * its state in a struct owned by the caller and passed by pointer, and the
 * setjmp sits in a small function (pngw_encode, pngr_decode) whose own locals
 * are not used after the jump. So no local needs `volatile` (C17 7.13.2.1),
 * and the caller frees whatever the struct holds on every path. Our error
 * and warning handlers keep libpng from printing to stderr.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>
#include <zbar.h>

#include "jaring/image.h"
#include "jaring/keys.h"

/* Longest text an alphanumeric QR can hold (version 40-L). */
#define QR_AN_MAX_CHARS 4296
#define PNG_MSG_MAX 160

int jr_image_new(int w, int h, uint8_t fill, struct jr_image *out)
{
	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (w < 1 || h < 1)
		return JR_EINVAL;
	if (w > JR_IMAGE_MAX_SIDE || h > JR_IMAGE_MAX_SIDE)
		return JR_ETOOBIG;
	/* Both sides are at most 8192, so the product fits a size_t. */
	out->pix = malloc((size_t)w * (size_t)h);
	if (out->pix == NULL)
		return JR_ENOMEM;
	memset(out->pix, fill, (size_t)w * (size_t)h);
	out->w = w;
	out->h = h;
	return JR_OK;
}

void jr_image_free(struct jr_image *img)
{
	if (img == NULL)
		return;
	free(img->pix);
	memset(img, 0, sizeof *img);
}

static bool image_ok(const struct jr_image *img)
{
	return img != NULL && img->pix != NULL && img->w >= 1 && img->h >= 1 &&
		img->w <= JR_IMAGE_MAX_SIDE && img->h <= JR_IMAGE_MAX_SIDE;
}

/* ---- QR rendering ------------------------------------------------------ */

/* The 45 characters of the QR alphanumeric mode (ISO/IEC 18004 table 5). */
static bool qr_alnum_char(char c)
{
	static const char set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

	return c != '\0' && memchr(set, c, sizeof set - 1) != NULL;
}

static int qr_check_text(const char *text, size_t *len, struct jr_errbuf *eb)
{
	size_t i;

	*len = strnlen(text, QR_AN_MAX_CHARS + 1);
	if (*len == 0)
		return jr_errf(eb, JR_EINVAL, "QR text is empty; nothing to draw");
	if (*len > QR_AN_MAX_CHARS)
		return jr_errf(eb, JR_ETOOBIG, "QR text is longer than %d "
			"characters, more than any QR code holds", QR_AN_MAX_CHARS);
	for (i = 0; i < *len; i++)
		if (!qr_alnum_char(text[i]))
			return jr_errf(eb, JR_EINVAL, "QR text has character "
				"%zu (byte 0x%02x) outside the alphanumeric set "
				"0-9 A-Z space $%%*+-./:; encode it first (e.g. "
				"Base45)", i + 1, (unsigned char)text[i]);
	return JR_OK;
}

/* The whole text in one alphanumeric segment at level M, smallest version.
 * QRcode_encodeString() refuses QR_MODE_AN as a hint (EINVAL in libqrencode
 * 4), so the segment is appended explicitly. */
static QRcode *qr_encode(const char *text, size_t len)
{
	QRinput *in = QRinput_new2(0, QR_ECLEVEL_M);
	QRcode *code = NULL;

	if (in == NULL)
		return NULL;
	if (QRinput_append(in, QR_MODE_AN, (int)len,
	    (const unsigned char *)text) == 0)
		code = QRcode_encodeInput(in);
	QRinput_free(in);
	return code;
}

static void qr_draw(const QRcode *code, int scale, int margin,
	struct jr_image *img)
{
	int x, y, row;

	for (y = 0; y < code->width; y++)
		for (x = 0; x < code->width; x++) {
			size_t at = (size_t)y * (size_t)code->width + (size_t)x;
			if ((code->data[at] & 1) == 0)
				continue;
			for (row = 0; row < scale; row++) {
				size_t py = ((size_t)margin + (size_t)y) *
					(size_t)scale + (size_t)row;
				size_t px = ((size_t)margin + (size_t)x) * (size_t)scale;
				memset(img->pix + py * (size_t)img->w + px, 0,
					(size_t)scale);
			}
		}
}

int jr_qr_render(const char *text, int max_version, int scale, int margin,
	struct jr_image *out, int *version, struct jr_errbuf *eb)
{
	QRcode *code;
	size_t len = 0;
	long side;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (version != NULL)
		*version = 0;
	if (text == NULL || out == NULL || version == NULL || max_version < 1 ||
	    max_version > 40 || scale < 1 || margin < 0 ||
	    scale > JR_IMAGE_MAX_SIDE || margin > JR_IMAGE_MAX_SIDE)
		return jr_errf(eb, JR_EINVAL, "QR render: bad arguments (version "
			"1..40, scale >= 1, margin >= 0)");
	rc = qr_check_text(text, &len, eb);
	if (rc != JR_OK)
		return rc;
	code = qr_encode(text, len);
	if (code == NULL)
		return errno == ERANGE ? jr_errf(eb, JR_ETOOBIG, "QR text of %zu "
			"characters does not fit any QR version at level M", len)
			: jr_errf(eb, JR_ENOMEM, "QR encoding of %zu characters "
			"failed: out of memory", len);
	side = ((long)code->width + 2L * margin) * scale;
	if (code->version > max_version)
		rc = jr_errf(eb, JR_ETOOBIG, "QR text of %zu characters needs "
			"version %d, more than the maximum %d; shorten the text",
			len, code->version, max_version);
	else if (side > JR_IMAGE_MAX_SIDE)
		rc = jr_errf(eb, JR_ETOOBIG, "QR image would be %ld pixels wide, "
			"more than %d; use a smaller scale or margin", side,
			JR_IMAGE_MAX_SIDE);
	else if ((rc = jr_image_new((int)side, (int)side, 255, out)) != JR_OK)
		rc = jr_errf(eb, rc, "QR image of %ld x %ld pixels: out of "
			"memory", side, side);
	if (rc == JR_OK) {
		qr_draw(code, scale, margin, out);
		*version = code->version;
	}
	QRcode_free(code);
	return rc;
}

/* ---- libpng plumbing shared by reading and writing ---------------------- */

struct pngio {
	png_structp png;
	png_infop info;
	int code;               /* set before png_error() by our callbacks */
	char msg[PNG_MSG_MAX];  /* libpng's message */
};

static void pngio_error(png_structp png, png_const_charp msg)
{
	struct pngio *c = png_get_error_ptr(png);

	if (snprintf(c->msg, sizeof c->msg, "%s", msg) < 0)
		c->msg[0] = '\0';
	png_longjmp(png, 1);
}

static void pngio_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* ---- PNG writing -------------------------------------------------------- */

struct pngw {
	struct pngio c;       /* first: png_get_error_ptr finds it */
	uint8_t *base;          /* encoded bytes, malloc'd */
	size_t len, cap, max;
};

static void pngw_write(png_structp png, png_bytep data, size_t n)
{
	struct pngw *w = png_get_io_ptr(png);
	size_t cap;
	uint8_t *p;

	if (n > w->max - w->len) {
		w->c.code = JR_ETOOBIG;
		png_error(png, "encoded PNG larger than its cap");
	}
	if (w->len + n > w->cap) {
		cap = w->cap < 4096 ? 4096 : w->cap;
		while (cap < w->len + n)
			cap = cap > w->max / 2 ? w->max : cap * 2;
		p = realloc(w->base, cap);
		if (p == NULL) {
			w->c.code = JR_ENOMEM;
			png_error(png, "out of memory");
		}
		w->base = p;
		w->cap = cap;
	}
	memcpy(w->base + w->len, data, n);
	w->len += n;
}

static void pngw_flush(png_structp png)
{
	(void)png;
}

static int pngw_encode(struct pngw *w, const struct jr_image *img)
{
	int y;

	if (setjmp(png_jmpbuf(w->c.png)))
		return w->c.code != JR_OK ? w->c.code : JR_EINTERNAL;
	png_set_write_fn(w->c.png, w, pngw_write, pngw_flush);
	png_set_IHDR(w->c.png, w->c.info, (png_uint_32)img->w,
		(png_uint_32)img->h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(w->c.png, w->c.info);
	for (y = 0; y < img->h; y++)
		png_write_row(w->c.png, img->pix + (size_t)y * (size_t)img->w);
	png_write_end(w->c.png, NULL);
	return JR_OK;
}

int jr_png_write(const struct jr_image *img, const char *path,
	struct jr_errbuf *eb)
{
	struct pngw w;
	int rc;

	memset(&w, 0, sizeof w);
	if (!image_ok(img) || path == NULL)
		return jr_errf(eb, JR_EINVAL, "PNG write: no image or no path");
	/* Raw rows plus deflate's worst-case overhead and the chunks, with
	 * room to spare; sides are at most 8192, so this cannot overflow. */
	w.max = 2 * ((size_t)img->w + 1) * (size_t)img->h + 65536;
	w.c.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w.c,
		pngio_error, pngio_warning);
	if (w.c.png != NULL)
		w.c.info = png_create_info_struct(w.c.png);
	if (w.c.info == NULL)
		rc = JR_ENOMEM;
	else
		rc = pngw_encode(&w, img);
	if (rc != JR_OK)
		jr_errf(eb, rc, "PNG %s: encoding failed (%s)", path,
			w.c.msg[0] ? w.c.msg : jr_strerror(rc));
	else
		rc = jr_file_write_atomic(path, w.base, w.len, 0600, eb);
	png_destroy_write_struct(&w.c.png, &w.c.info);
	free(w.base);
	return rc;
}

/* ---- PNG reading -------------------------------------------------------- */

struct pngr {
	struct pngio c;       /* first: png_get_error_ptr finds it */
	FILE *f;
	png_bytep *rows;
	uint8_t *ga;            /* gray+alpha rows before compositing */
	struct jr_image img;
};

/* Everything to 8-bit gray, or gray + alpha when the file has alpha or a
 * tRNS chunk: palettes and low bit depths expanded, 16 bits scaled, colour
 * reduced to luma (libpng's default sRGB weights), Adam7 passes merged. */
static void pngr_set_gray8(png_structp png, png_infop info)
{
	png_set_expand(png);
	png_set_scale_16(png);
	if ((png_get_color_type(png, info) & PNG_COLOR_MASK_COLOR) != 0)
		png_set_rgb_to_gray_fixed(png, PNG_ERROR_ACTION_NONE, -1, -1);
	(void)png_set_interlace_handling(png);
	png_read_update_info(png, info);
}

/* Transparent pixels become white, like paper behind a printed code. */
static void composite_on_white(const uint8_t *ga, struct jr_image *img)
{
	size_t i, n = (size_t)img->w * (size_t)img->h;

	for (i = 0; i < n; i++) {
		unsigned g = ga[2 * i], a = ga[2 * i + 1];
		img->pix[i] = (uint8_t)((g * a + 255u * (255u - a) + 127u) / 255u);
	}
}

static int pngr_alloc_rows(struct pngr *r, size_t channels)
{
	size_t w = (size_t)r->img.w, h = (size_t)r->img.h, y;
	uint8_t *base = r->img.pix;

	if (channels == 2) {
		r->ga = malloc(2 * w * h);
		base = r->ga;
	}
	r->rows = malloc(h * sizeof *r->rows);
	if (base == NULL || r->rows == NULL)
		return JR_ENOMEM;
	for (y = 0; y < h; y++)
		r->rows[y] = base + y * w * channels;
	return JR_OK;
}

static int pngr_decode(struct pngr *r)
{
	png_uint_32 w, h;
	size_t channels;

	if (setjmp(png_jmpbuf(r->c.png)))
		return r->c.code != JR_OK ? r->c.code : JR_EFORMAT;
	png_init_io(r->c.png, r->f);
	png_set_sig_bytes(r->c.png, 8);
	png_read_info(r->c.png, r->c.info);
	w = png_get_image_width(r->c.png, r->c.info);
	h = png_get_image_height(r->c.png, r->c.info);
	/* Before libpng sizes its row buffers by the width. */
	if (w > JR_IMAGE_MAX_SIDE || h > JR_IMAGE_MAX_SIDE) {
		if (snprintf(r->c.msg, sizeof r->c.msg, "%lux%lu pixels, more "
		    "than %d on a side", (unsigned long)w, (unsigned long)h,
		    JR_IMAGE_MAX_SIDE) < 0)
			r->c.msg[0] = '\0';
		return JR_ETOOBIG;
	}
	pngr_set_gray8(r->c.png, r->c.info);
	channels = png_get_channels(r->c.png, r->c.info);
	if (png_get_bit_depth(r->c.png, r->c.info) != 8 || channels < 1 ||
	    channels > 2 || png_get_rowbytes(r->c.png, r->c.info) != w * channels)
		return JR_EINTERNAL;
	r->c.code = jr_image_new((int)w, (int)h, 255, &r->img);
	if (r->c.code == JR_OK)
		r->c.code = pngr_alloc_rows(r, channels);
	if (r->c.code != JR_OK)
		return r->c.code;
	png_read_image(r->c.png, r->rows);
	png_read_end(r->c.png, NULL);
	if (channels == 2)
		composite_on_white(r->ga, &r->img);
	return JR_OK;
}

static int pngr_open(const char *path, struct pngr *r, struct jr_errbuf *eb)
{
	png_byte sig[8];

	r->f = fopen(path, "rb");
	if (r->f == NULL)
		return jr_errf(eb, errno == ENOENT ? JR_ENOTFOUND : JR_EIO,
			"PNG %s: cannot open: %s", path, strerror(errno));
	if (fread(sig, 1, sizeof sig, r->f) != sizeof sig ||
	    png_sig_cmp(sig, 0, sizeof sig) != 0)
		return jr_errf(eb, JR_EFORMAT, "%s is not a PNG file; choose a "
			"PNG image", path);
	return JR_OK;
}

int jr_png_read(const char *path, struct jr_image *out, struct jr_errbuf *eb)
{
	struct pngr r;
	int rc;

	memset(&r, 0, sizeof r);
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (path == NULL || out == NULL)
		return jr_errf(eb, JR_EINVAL, "PNG read: no path or no image");
	rc = pngr_open(path, &r, eb);
	if (rc != JR_OK)
		goto out_file;
	r.c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r.c,
		pngio_error, pngio_warning);
	if (r.c.png != NULL)
		r.c.info = png_create_info_struct(r.c.png);
	rc = r.c.info == NULL ? JR_ENOMEM : pngr_decode(&r);
	if (rc != JR_OK)
		jr_errf(eb, rc, "PNG %s cannot be read (%s); the file is damaged "
			"or unsupported, save it again", path,
			r.c.msg[0] ? r.c.msg : jr_strerror(rc));
	png_destroy_read_struct(&r.c.png, &r.c.info, NULL);
out_file:
	if (r.f != NULL)
		(void)fclose(r.f); /* read only: nothing to lose */
	free(r.rows);
	free(r.ga);
	if (rc == JR_OK)
		*out = r.img;
	else
		jr_image_free(&r.img);
	return rc;
}

/* ---- QR scanning -------------------------------------------------------- */

/* Only QR is enabled: other symbologies would only add false reads. */
static zbar_image_scanner_t *qr_scanner(void)
{
	zbar_image_scanner_t *sc = zbar_image_scanner_create();

	if (sc == NULL)
		return NULL;
	if (zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0) ||
	    zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)) {
		zbar_image_scanner_destroy(sc);
		return NULL;
	}
	return sc;
}

static int qr_first(const zbar_image_t *zimg, char *out, size_t outmax,
	size_t *outlen, struct jr_errbuf *eb)
{
	const zbar_symbol_t *sym;

	for (sym = zbar_image_first_symbol(zimg); sym != NULL;
	     sym = zbar_symbol_next(sym)) {
		size_t n = zbar_symbol_get_data_length(sym);
		if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
			continue;
		if (n >= outmax)
			return jr_errf(eb, JR_ETOOBIG, "QR code holds %zu bytes, "
				"more than the %zu expected; it is not a code "
				"this kiosk reads", n, outmax - 1);
		memcpy(out, zbar_symbol_get_data(sym), n);
		out[n] = '\0';
		*outlen = n;
		return JR_OK;
	}
	return jr_errf(eb, JR_ENOTFOUND, "no QR code found in the image; hold "
		"the receipt flat and fully in view, or type the code");
}

/* The image is passed to zbar without a cleanup handler: zbar only reads
 * img->pix, which stays ours and outlives zimg. */
int jr_qr_scan(const struct jr_image *img, char *out, size_t outmax,
	size_t *outlen, struct jr_errbuf *eb)
{
	zbar_image_scanner_t *sc;
	zbar_image_t *zimg;
	int rc = JR_ENOMEM;

	if (outlen != NULL)
		*outlen = 0;
	if (out != NULL && outmax > 0)
		out[0] = '\0';
	if (!image_ok(img) || out == NULL || outmax == 0 || outlen == NULL)
		return jr_errf(eb, JR_EINVAL, "QR scan: no image or no room for "
			"the text");
	sc = qr_scanner();
	if (sc == NULL)
		return jr_errf(eb, JR_ENOMEM, "QR scan: cannot set up zbar (out of memory)");
	zimg = zbar_image_create();
	if (zimg == NULL)
		goto out_scanner;
	zbar_image_set_format(zimg, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zimg, (unsigned)img->w, (unsigned)img->h);
	zbar_image_set_data(zimg, img->pix, (unsigned long)img->w *
		(unsigned long)img->h, NULL);
	if (zbar_scan_image(sc, zimg) < 0)
		rc = jr_errf(eb, JR_EINTERNAL, "QR scan: zbar failed on a %dx%d "
			"image", img->w, img->h);
	else
		rc = qr_first(zimg, out, outmax, outlen, eb);
	zbar_image_destroy(zimg);
out_scanner:
	zbar_image_scanner_destroy(sc);
	if (rc == JR_ENOMEM)
		jr_errf(eb, rc, "QR scan: out of memory");
	return rc;
}
