/*
 * Images: QR rendering, PNG files in every colour type libpng writes, and
 * zbar scanning. The receipt-level round trips are in test_receipt.c.
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "testutil.h"
#include "jaring/image.h"

static const char sample_text[] = "JR1:ABC 123 $%*+-./:XYZ";

static void render(const char *text, int max_version, int scale, int margin,
	struct jr_image *img, int *version)
{
	struct jr_errbuf eb = { 0 };

	if (jr_qr_render(text, max_version, scale, margin, img, version, &eb) !=
	    JR_OK)
		fail_msg("render: %s", eb.msg);
}

static uint8_t px(const struct jr_image *im, int x, int y)
{
	return im->pix[(size_t)y * (size_t)im->w + (size_t)x];
}

static void scan_equals(const struct jr_image *img, const char *want)
{
	char text[512];
	size_t n = 0;
	struct jr_errbuf eb = { 0 };

	if (jr_qr_scan(img, text, sizeof text, &n, &eb) != JR_OK)
		fail_msg("scan: %s", eb.msg);
	assert_int_equal(n, strlen(want));
	assert_string_equal(text, want);
}

/* ---- jr_image_new ------------------------------------------------------- */

static void image_new_fills_and_rejects_bad_sides(void **state)
{
	struct jr_image img;

	(void)state;
	assert_int_equal(jr_image_new(3, 2, 7, &img), JR_OK);
	assert_int_equal(img.w, 3);
	assert_int_equal(img.h, 2);
	for (int i = 0; i < 6; i++)
		assert_int_equal(img.pix[i], 7);
	jr_image_free(&img);
	assert_null(img.pix);
	jr_image_free(&img); /* twice is harmless */
	assert_int_equal(jr_image_new(0, 5, 0, &img), JR_EINVAL);
	assert_null(img.pix);
	assert_int_equal(jr_image_new(5, -1, 0, &img), JR_EINVAL);
	assert_int_equal(jr_image_new(JR_IMAGE_MAX_SIDE + 1, 1, 0, &img),
		JR_ETOOBIG);
	assert_int_equal(jr_image_new(1, JR_IMAGE_MAX_SIDE + 1, 0, &img),
		JR_ETOOBIG);
	assert_null(img.pix);
	assert_int_equal(jr_image_new(1, 1, 0, NULL), JR_EINVAL);
}

/* ---- jr_qr_render ------------------------------------------------------- */

static void qr_render_draws_modules_quiet_zone_and_finders(void **state)
{
	struct jr_image img;
	int version = 0, scale = 3, margin = 4, side;

	(void)state;
	render(sample_text, 8, scale, margin, &img, &version);
	assert_int_equal(version, 2); /* 23 characters need version 2 at M */
	side = (17 + 4 * version + 2 * margin) * scale;
	assert_int_equal(img.w, side);
	assert_int_equal(img.h, side);
	for (int i = 0; i < side; i++) {
		/* the quiet zone is white all round */
		assert_int_equal(px(&img, i, 0), 255);
		assert_int_equal(px(&img, 0, i), 255);
		assert_int_equal(px(&img, i, side - 1), 255);
		assert_int_equal(px(&img, side - 1, i), 255);
	}
	/* top-left finder: dark ring, light ring, dark 3x3 centre */
	int o = margin * scale;
	assert_int_equal(px(&img, o, o), 0);
	assert_int_equal(px(&img, o + 6 * scale, o), 0);
	assert_int_equal(px(&img, o + scale, o + scale), 255);
	assert_int_equal(px(&img, o + 3 * scale, o + 3 * scale), 0);
	assert_int_equal(px(&img, o + 7 * scale, o + 7 * scale), 255);
	scan_equals(&img, sample_text);
	jr_image_free(&img);
}

static void qr_render_fits_221_characters_in_version_8_but_not_222(void **state)
{
	char text[230];
	struct jr_image img;
	struct jr_errbuf eb = { 0 };
	int version = 0;

	(void)state;
	memset(text, 'Q', sizeof text);
	text[221] = '\0';
	render(text, 8, 2, 4, &img, &version);
	assert_int_equal(version, 8);
	scan_equals(&img, text);
	jr_image_free(&img);
	text[221] = 'Q';
	text[222] = '\0';
	assert_int_equal(jr_qr_render(text, 8, 2, 4, &img, &version, &eb),
		JR_ETOOBIG);
	assert_null(img.pix);
	assert_int_equal(version, 0);
	assert_non_null(strstr(eb.msg, "needs version 9"));
	render(text, 9, 2, 4, &img, &version);
	assert_int_equal(version, 9);
	jr_image_free(&img);
}

static void qr_render_rejects_text_outside_the_alphanumeric_set(void **state)
{
	static const char *const bad[] = {
		"jr1:abc", "JR1:AbC", "JR1:A#B", "JR1:A\nB", "JR1:\xc3\x89",
		"JR1:A_B", "JR1:A,B", "JR1:A=B", "",
	};
	struct jr_image img;
	struct jr_errbuf eb = { 0 };
	int version = 5;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		jr_errclear(&eb);
		assert_int_equal(jr_qr_render(bad[i], 8, 2, 4, &img, &version,
			&eb), JR_EINVAL);
		assert_null(img.pix);
		assert_int_equal(version, 0);
		assert_true(eb.msg[0] != '\0');
	}
}

static void qr_render_rejects_bad_arguments_and_huge_images(void **state)
{
	struct jr_image img;
	int version = 0;
	char big[5000];

	(void)state;
	assert_int_equal(jr_qr_render("A", 0, 2, 4, &img, &version, NULL),
		JR_EINVAL);
	assert_int_equal(jr_qr_render("A", 41, 2, 4, &img, &version, NULL),
		JR_EINVAL);
	assert_int_equal(jr_qr_render("A", 8, 0, 4, &img, &version, NULL),
		JR_EINVAL);
	assert_int_equal(jr_qr_render("A", 8, 2, -1, &img, &version, NULL),
		JR_EINVAL);
	assert_int_equal(jr_qr_render(NULL, 8, 2, 4, &img, &version, NULL),
		JR_EINVAL);
	assert_int_equal(jr_qr_render("A", 8, 2, 4, NULL, &version, NULL),
		JR_EINVAL);
	assert_int_equal(jr_qr_render("A", 8, 2, 4, &img, NULL, NULL),
		JR_EINVAL);
	/* 29 modules at 300 pixels each is over 8192 */
	assert_int_equal(jr_qr_render("A", 8, 300, 4, &img, &version, NULL),
		JR_ETOOBIG);
	assert_null(img.pix);
	/* more than version 40 holds */
	memset(big, '9', sizeof big);
	big[sizeof big - 1] = '\0';
	assert_int_equal(jr_qr_render(big, 40, 1, 0, &img, &version, NULL),
		JR_ETOOBIG);
	assert_null(img.pix);
}

/* ---- PNG writing and reading -------------------------------------------- */

static void gradient(struct jr_image *img, int w, int h)
{
	assert_int_equal(jr_image_new(w, h, 0, img), JR_OK);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			img->pix[(size_t)y * (size_t)w + (size_t)x] =
				(uint8_t)((x * 7 + y * 13) & 0xff);
}

static void png_write_makes_an_8_bit_gray_file(void **state)
{
	const char *dir = jr_test_dir("image_png8");
	struct jr_image img;
	char path[1100];
	size_t len = 0;
	FILE *f;
	uint8_t head[33];

	(void)state;
	gradient(&img, 37, 23);
	jr_test_path(path, sizeof path, dir, "g.png");
	assert_int_equal(jr_png_write(&img, path, NULL), JR_OK);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(head, 1, sizeof head, f);
	(void)fclose(f);
	assert_int_equal(len, sizeof head);
	assert_memory_equal(head, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
	assert_memory_equal(head + 16, "\0\0\0\x25\0\0\0\x17", 8); /* 37 x 23 */
	assert_int_equal(head[24], 8);  /* bit depth */
	assert_int_equal(head[25], 0);  /* colour type: gray */
	assert_int_equal(head[28], 0);  /* not interlaced */
	jr_image_free(&img);
}

static void png_round_trip_is_exact(void **state)
{
	const char *dir = jr_test_dir("image_roundtrip");
	struct jr_image img, back;
	char path[1100];

	(void)state;
	gradient(&img, 300, 211);
	jr_test_path(path, sizeof path, dir, "g.png");
	assert_int_equal(jr_png_write(&img, path, NULL), JR_OK);
	assert_int_equal(jr_png_read(path, &back, NULL), JR_OK);
	assert_int_equal(back.w, img.w);
	assert_int_equal(back.h, img.h);
	assert_memory_equal(back.pix, img.pix, (size_t)img.w * (size_t)img.h);
	jr_image_free(&back);
	/* writing again replaces the file */
	img.pix[0] = 255;
	assert_int_equal(jr_png_write(&img, path, NULL), JR_OK);
	assert_int_equal(jr_png_read(path, &back, NULL), JR_OK);
	assert_int_equal(back.pix[0], 255);
	jr_image_free(&back);
	jr_image_free(&img);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

/* Only the image's file is left in dir (no temporary of the atomic write). */
static size_t files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A receipt image shows a masked name and a QR code: it is the kiosk
 * user's alone, whatever the umask, and a rewrite (a reprint) keeps it so. */
static void png_write_makes_a_file_only_its_owner_can_read(void **state)
{
	const char *dir = jr_test_dir("image_mode");
	struct jr_image img;
	char path[1100];
	mode_t old;

	(void)state;
	gradient(&img, 20, 20);
	jr_test_path(path, sizeof path, dir, "receipt-000001.png");
	old = umask(0);
	assert_int_equal(jr_png_write(&img, path, NULL), JR_OK);
	assert_int_equal(mode_of(path), 0600);
	/* An existing file of another mode is replaced, not reused. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(jr_png_write(&img, path, NULL), JR_OK);
	assert_int_equal(mode_of(path), 0600);
	umask(077);
	assert_int_equal(jr_png_write(&img, path, NULL), JR_OK);
	assert_int_equal(mode_of(path), 0600);
	umask(old);
	assert_int_equal(files_in(dir), 1);
	jr_image_free(&img);
}

/* A PNG in a given colour type and depth, made with libpng directly from a
 * gray image: each gray value g becomes the same visible gray. */
struct fmt {
	const char *name;
	int color, depth, interlace;
};

static size_t fmt_channels(int color)
{
	switch (color) {
	case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
	case PNG_COLOR_TYPE_RGB: return 3;
	case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
	default: return 1;
	}
}

static void fmt_pixel(const struct fmt *f, uint8_t g, uint8_t *row, size_t x)
{
	size_t ch = fmt_channels(f->color), bytes = (size_t)f->depth / 8;

	if (f->depth < 8) { /* 1-bit gray: dark or light */
		if (g >= 128)
			row[x / 8] |= (uint8_t)(0x80u >> (x % 8));
		return;
	}
	for (size_t c = 0; c < ch; c++) {
		bool alpha = (ch == 2 && c == 1) || (ch == 4 && c == 3);
		uint8_t v = alpha ? 255 : g;
		for (size_t b = 0; b < bytes; b++)
			row[(x * ch + c) * bytes + b] = v; /* g * 257 when 16-bit */
	}
}

static void write_fmt(const char *path, const struct jr_image *img,
	const struct fmt *f)
{
	png_structp png;
	png_infop info;
	png_color pal[256];
	png_bytep *rows;
	size_t rowbytes = ((size_t)img->w * fmt_channels(f->color) *
		(size_t)f->depth + 7) / 8;
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png_create_info_struct(png);
	assert_non_null(info);
	png_init_io(png, fp);
	png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h,
		f->depth, f->color, f->interlace, PNG_COMPRESSION_TYPE_DEFAULT,
		PNG_FILTER_TYPE_DEFAULT);
	for (int i = 0; i < 256; i++)
		pal[i].red = pal[i].green = pal[i].blue = (png_byte)i;
	if (f->color == PNG_COLOR_TYPE_PALETTE)
		png_set_PLTE(png, info, pal, 256);
	rows = calloc((size_t)img->h, sizeof *rows);
	assert_non_null(rows);
	for (int y = 0; y < img->h; y++) {
		rows[y] = calloc(1, rowbytes);
		assert_non_null(rows[y]);
		for (int x = 0; x < img->w; x++)
			fmt_pixel(f, px(img, x, y), rows[y], (size_t)x);
	}
	png_write_info(png, info);
	png_write_image(png, rows);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	assert_int_equal(fclose(fp), 0);
	for (int y = 0; y < img->h; y++)
		free(rows[y]);
	free(rows);
}

static const struct fmt formats[] = {
	{ "gray1", PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE },
	{ "gray8", PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE },
	{ "gray16", PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE },
	{ "ga8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE },
	{ "ga16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, PNG_INTERLACE_NONE },
	{ "rgb8", PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE },
	{ "rgb16", PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE },
	{ "rgba8", PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_NONE },
	{ "rgba16", PNG_COLOR_TYPE_RGB_ALPHA, 16, PNG_INTERLACE_NONE },
	{ "palette8", PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE },
	{ "gray8-adam7", PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_ADAM7 },
	{ "rgba16-adam7", PNG_COLOR_TYPE_RGB_ALPHA, 16, PNG_INTERLACE_ADAM7 },
	{ "palette8-adam7", PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_ADAM7 },
};

static void png_read_turns_every_colour_type_into_the_same_gray(void **state)
{
	const char *dir = jr_test_dir("image_formats");
	struct jr_image qr, back;
	struct jr_errbuf eb = { 0 };
	char path[1100], file[64];
	int version = 0;

	(void)state;
	render(sample_text, 8, 3, 4, &qr, &version);
	/* a few mid grays too, away from the 1-bit format's threshold */
	qr.pix[0] = 17;
	qr.pix[1] = 200;
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		const struct fmt *f = &formats[i];
		int n = snprintf(file, sizeof file, "%s.png", f->name);
		assert_true(n > 0 && (size_t)n < sizeof file);
		jr_test_path(path, sizeof path, dir, file);
		write_fmt(path, &qr, f);
		if (jr_png_read(path, &back, &eb) != JR_OK)
			fail_msg("%s: %s", f->name, eb.msg);
		assert_int_equal(back.w, qr.w);
		assert_int_equal(back.h, qr.h);
		if (f->depth == 1) {
			assert_int_equal(back.pix[0], 0);
			assert_int_equal(back.pix[1], 255);
			back.pix[0] = 17;
			back.pix[1] = 200;
		}
		if (memcmp(back.pix, qr.pix, (size_t)qr.w * (size_t)qr.h) != 0)
			fail_msg("%s: pixels differ", f->name);
		scan_equals(&back, sample_text);
		jr_image_free(&back);
	}
	jr_image_free(&qr);
}

/* Transparent pixels read as white paper, half-transparent black as mid
 * gray, whatever colour the transparent pixels carry. */
static void png_read_puts_transparency_on_white(void **state)
{
	const char *dir = jr_test_dir("image_alpha");
	static const uint8_t rgba[4][4] = {
		{ 0, 0, 0, 0 }, { 0, 0, 0, 128 }, { 0, 0, 0, 255 },
		{ 255, 0, 0, 0 },
	};
	png_image pi;
	struct jr_image back;
	char path[1100];

	(void)state;
	jr_test_path(path, sizeof path, dir, "alpha.png");
	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	pi.width = 4;
	pi.height = 1;
	pi.format = PNG_FORMAT_RGBA;
	assert_true(png_image_write_to_file(&pi, path, 0, rgba, 0, NULL) != 0);
	assert_int_equal(jr_png_read(path, &back, NULL), JR_OK);
	assert_int_equal(back.pix[0], 255);
	assert_int_equal(back.pix[1], 127);
	assert_int_equal(back.pix[2], 0);
	assert_int_equal(back.pix[3], 255);
	jr_image_free(&back);
}

static int read_fails(const char *path)
{
	struct jr_image img;
	struct jr_errbuf eb = { 0 };
	int rc;

	memset(&img, 0x5a, sizeof img);
	rc = jr_png_read(path, &img, &eb);
	assert_int_not_equal(rc, JR_OK);
	assert_null(img.pix);
	assert_int_equal(img.w, 0);
	assert_true(eb.msg[0] != '\0');
	return rc;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void png_read_rejects_missing_empty_and_foreign_files(void **state)
{
	const char *dir = jr_test_dir("image_badfiles");
	char path[1100];

	(void)state;
	jr_test_path(path, sizeof path, dir, "missing.png");
	assert_int_equal(read_fails(path), JR_ENOTFOUND);
	jr_test_path(path, sizeof path, dir, "empty.png");
	write_bytes(path, "", 0);
	assert_int_equal(read_fails(path), JR_EFORMAT);
	jr_test_path(path, sizeof path, dir, "text.png");
	write_bytes(path, "JR1:ABCDEFGH\n", 13);
	assert_int_equal(read_fails(path), JR_EFORMAT);
	jr_test_path(path, sizeof path, dir, "sig-only.png");
	write_bytes(path, "\x89PNG\r\n\x1a\n", 8);
	assert_int_equal(read_fails(path), JR_EFORMAT);
	assert_int_equal(read_fails(dir), JR_EFORMAT); /* a directory */
	assert_int_equal(jr_png_read(NULL, NULL, NULL), JR_EINVAL);
}

static void png_read_rejects_every_truncation(void **state)
{
	const char *dir = jr_test_dir("image_truncated");
	struct jr_image img;
	char path[1100], cut[1100];
	char *all;
	size_t len = 0;
	FILE *f;
	long sz;

	(void)state;
	gradient(&img, 40, 30);
	jr_test_path(path, sizeof path, dir, "whole.png");
	assert_int_equal(jr_png_write(&img, path, NULL), JR_OK);
	jr_image_free(&img);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	assert_true(sz > 0);
	rewind(f);
	all = malloc((size_t)sz);
	assert_non_null(all);
	len = fread(all, 1, (size_t)sz, f);
	(void)fclose(f);
	assert_int_equal(len, (size_t)sz);
	jr_test_path(cut, sizeof cut, dir, "cut.png");
	for (size_t n = 0; n < len; n++) {
		write_bytes(cut, all, n);
		assert_int_not_equal(read_fails(cut), JR_OK);
	}
	free(all);
}

static void png_read_rejects_damaged_pixels_and_crc(void **state)
{
	const char *dir = jr_test_dir("image_damaged");
	struct jr_image img;
	char path[1100];
	uint8_t buf[4096];
	size_t len;
	FILE *f;

	(void)state;
	gradient(&img, 40, 30);
	jr_test_path(path, sizeof path, dir, "d.png");
	assert_int_equal(jr_png_write(&img, path, NULL), JR_OK);
	jr_image_free(&img);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(buf, 1, sizeof buf, f);
	(void)fclose(f);
	assert_true(len > 60 && len < sizeof buf);
	buf[20] ^= 0x01; /* IHDR width: CRC no longer matches */
	write_bytes(path, buf, len);
	assert_int_equal(read_fails(path), JR_EFORMAT);
	buf[20] ^= 0x01;
	buf[45] ^= 0x40; /* inside the compressed IDAT data */
	write_bytes(path, buf, len);
	assert_int_equal(read_fails(path), JR_EFORMAT);
}

static void png_read_refuses_images_over_8192_pixels_a_side(void **state)
{
	const char *dir = jr_test_dir("image_huge");
	struct jr_image wide, ok;
	char path[1100];
	struct fmt f = { "gray1", PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE };

	(void)state;
	assert_int_equal(jr_image_new(JR_IMAGE_MAX_SIDE, 1, 255, &ok), JR_OK);
	jr_test_path(path, sizeof path, dir, "max.png");
	write_fmt(path, &ok, &f);
	jr_image_free(&ok);
	assert_int_equal(jr_png_read(path, &ok, NULL), JR_OK);
	assert_int_equal(ok.w, JR_IMAGE_MAX_SIDE);
	jr_image_free(&ok);
	/* jr_image_new refuses the size, so borrow a bigger buffer */
	wide.w = JR_IMAGE_MAX_SIDE + 1;
	wide.h = 1;
	wide.pix = calloc(1, (size_t)wide.w);
	assert_non_null(wide.pix);
	jr_test_path(path, sizeof path, dir, "wide.png");
	write_fmt(path, &wide, &f);
	free(wide.pix);
	assert_int_equal(read_fails(path), JR_ETOOBIG);
}

static void png_write_fails_cleanly_without_a_directory(void **state)
{
	const char *dir = jr_test_dir("image_nodir");
	struct jr_image img, bad;
	struct jr_errbuf eb = { 0 };
	char path[1100];
	int rc;

	(void)state;
	gradient(&img, 10, 10);
	jr_test_path(path, sizeof path, dir, "no/such/dir/g.png");
	rc = jr_png_write(&img, path, &eb);
	assert_true(rc == JR_ENOTFOUND || rc == JR_EIO); /* fileio's choice */
	assert_true(eb.msg[0] != '\0');
	memset(&bad, 0, sizeof bad);
	jr_test_path(path, sizeof path, dir, "g.png");
	assert_int_equal(jr_png_write(&bad, path, NULL), JR_EINVAL);
	assert_int_equal(jr_png_write(NULL, path, NULL), JR_EINVAL);
	assert_int_equal(jr_png_write(&img, NULL, NULL), JR_EINVAL);
	assert_int_equal(read_fails(path), JR_ENOTFOUND);
	jr_image_free(&img);
}

/* ---- jr_qr_scan --------------------------------------------------------- */

static void qr_scan_finds_nothing_in_blank_noise_or_half_a_code(void **state)
{
	struct jr_image img;
	char text[64];
	size_t n = 9;
	struct jr_errbuf eb = { 0 };
	int version = 0;

	(void)state;
	assert_int_equal(jr_image_new(200, 150, 255, &img), JR_OK);
	assert_int_equal(jr_qr_scan(&img, text, sizeof text, &n, &eb),
		JR_ENOTFOUND);
	assert_int_equal(n, 0);
	assert_string_equal(text, "");
	assert_true(eb.msg[0] != '\0');
	jr_test_fill(img.pix, 200 * 150, 11);
	assert_int_equal(jr_qr_scan(&img, text, sizeof text, &n, NULL),
		JR_ENOTFOUND);
	jr_image_free(&img);
	render(sample_text, 8, 4, 4, &img, &version);
	memset(img.pix + (size_t)img.w * (size_t)(img.h / 2), 255,
		(size_t)img.w * (size_t)(img.h - img.h / 2));
	assert_int_equal(jr_qr_scan(&img, text, sizeof text, &n, NULL),
		JR_ENOTFOUND);
	jr_image_free(&img);
}

static void qr_scan_refuses_a_buffer_too_small_for_the_text(void **state)
{
	struct jr_image img;
	char text[64];
	size_t n = 9;
	int version = 0;

	(void)state;
	render(sample_text, 8, 4, 4, &img, &version);
	/* room for the text but not its NUL */
	assert_int_equal(jr_qr_scan(&img, text, strlen(sample_text), &n, NULL),
		JR_ETOOBIG);
	assert_int_equal(n, 0);
	assert_string_equal(text, "");
	assert_int_equal(jr_qr_scan(&img, text, strlen(sample_text) + 1, &n,
		NULL), JR_OK);
	assert_string_equal(text, sample_text);
	assert_int_equal(jr_qr_scan(&img, text, 0, &n, NULL), JR_EINVAL);
	assert_int_equal(jr_qr_scan(&img, NULL, 10, &n, NULL), JR_EINVAL);
	assert_int_equal(jr_qr_scan(NULL, text, 10, &n, NULL), JR_EINVAL);
	assert_int_equal(jr_qr_scan(&img, text, 10, NULL, NULL), JR_EINVAL);
	jr_image_free(&img);
}

static void qr_scan_reads_inverted_polarity_as_nothing_or_the_text(
	void **state)
{
	struct jr_image img;
	char text[64];
	size_t n = 0;
	int version = 0, rc;

	(void)state;
	render(sample_text, 8, 4, 4, &img, &version);
	for (size_t i = 0; i < (size_t)img.w * (size_t)img.h; i++)
		img.pix[i] = (uint8_t)(255 - img.pix[i]);
	/* Whatever zbar makes of a negative, it never returns other text. */
	rc = jr_qr_scan(&img, text, sizeof text, &n, NULL);
	assert_true(rc == JR_ENOTFOUND || (rc == JR_OK &&
		strcmp(text, sample_text) == 0));
	jr_image_free(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(image_new_fills_and_rejects_bad_sides),
		cmocka_unit_test(qr_render_draws_modules_quiet_zone_and_finders),
		cmocka_unit_test(qr_render_fits_221_characters_in_version_8_but_not_222),
		cmocka_unit_test(qr_render_rejects_text_outside_the_alphanumeric_set),
		cmocka_unit_test(qr_render_rejects_bad_arguments_and_huge_images),
		cmocka_unit_test(png_write_makes_an_8_bit_gray_file),
		cmocka_unit_test(png_round_trip_is_exact),
		cmocka_unit_test(png_write_makes_a_file_only_its_owner_can_read),
		cmocka_unit_test(png_read_turns_every_colour_type_into_the_same_gray),
		cmocka_unit_test(png_read_puts_transparency_on_white),
		cmocka_unit_test(png_read_rejects_missing_empty_and_foreign_files),
		cmocka_unit_test(png_read_rejects_every_truncation),
		cmocka_unit_test(png_read_rejects_damaged_pixels_and_crc),
		cmocka_unit_test(png_read_refuses_images_over_8192_pixels_a_side),
		cmocka_unit_test(png_write_fails_cleanly_without_a_directory),
		cmocka_unit_test(qr_scan_finds_nothing_in_blank_noise_or_half_a_code),
		cmocka_unit_test(qr_scan_refuses_a_buffer_too_small_for_the_text),
		cmocka_unit_test(qr_scan_reads_inverted_polarity_as_nothing_or_the_text),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
