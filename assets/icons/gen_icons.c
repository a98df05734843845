/*
 * gen_icons: draws the kiosk's icons as 128x128 white-on-transparent PNGs
 * (gray + alpha), so the kiosk can tint them to any colour. Build-time tool;
 * every icon is a handful of circles, rectangles, lines and polygons on a
 * 100x100 grid, supersampled 4x4 for smooth edges. No third-party art.
 *
 * usage: jr_gen_icons OUTDIR   (--help: what it is, exit codes)
 */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define OUT 128
#define SS 4
#define CAN (OUT * SS)

static unsigned char canvas[CAN * CAN];
static unsigned char paint = 1; /* 1 draws, 0 erases */

static double to_px(double u) { return u * CAN / 100.0; }

/* Calls inside(x, y) (grid units) for every sample in the box. */
typedef int (*inside_fn)(const double *a, double x, double y);

static void fill(const double *a, double x0, double y0, double x1, double y1,
	inside_fn inside)
{
	int px0 = (int)floor(to_px(x0)), px1 = (int)ceil(to_px(x1));
	int py0 = (int)floor(to_px(y0)), py1 = (int)ceil(to_px(y1));

	if (px0 < 0) px0 = 0;
	if (py0 < 0) py0 = 0;
	if (px1 > CAN) px1 = CAN;
	if (py1 > CAN) py1 = CAN;
	for (int py = py0; py < py1; py++)
		for (int px = px0; px < px1; px++) {
			double x = (px + 0.5) * 100.0 / CAN;
			double y = (py + 0.5) * 100.0 / CAN;
			if (inside(a, x, y))
				canvas[py * CAN + px] = paint;
		}
}

static int in_ellipse(const double *a, double x, double y)
{
	double dx = (x - a[0]) / a[2], dy = (y - a[1]) / a[3];
	return dx * dx + dy * dy <= 1.0;
}

static void ellipse(double cx, double cy, double rx, double ry)
{
	double a[4] = { cx, cy, rx, ry };
	fill(a, cx - rx, cy - ry, cx + rx, cy + ry, in_ellipse);
}

static void circle(double cx, double cy, double r) { ellipse(cx, cy, r, r); }

static int in_ring(const double *a, double x, double y)
{
	double d = hypot(x - a[0], y - a[1]);
	double ang = atan2(y - a[1], x - a[0]) * 180.0 / M_PI;

	if (d > a[2] || d < a[2] - a[3])
		return 0;
	if (a[4] == a[5])
		return 1;
	if (ang < 0)
		ang += 360.0;
	if (a[4] <= a[5])
		return ang >= a[4] && ang <= a[5];
	return ang >= a[4] || ang <= a[5];
}

/* Ring of outer radius r and width w; degrees a0..a1 clockwise from +x on
 * screen (y down); a0 == a1 draws the whole ring. */
static void arc(double cx, double cy, double r, double w, double a0, double a1)
{
	double a[6] = { cx, cy, r, w, a0, a1 };
	fill(a, cx - r, cy - r, cx + r, cy + r, in_ring);
}

static void ring(double cx, double cy, double r, double w) { arc(cx, cy, r, w, 0, 0); }

static int in_rect(const double *a, double x, double y)
{
	return x >= a[0] && x <= a[2] && y >= a[1] && y <= a[3];
}

static void rect(double x, double y, double w, double h)
{
	double a[4] = { x, y, x + w, y + h };
	fill(a, x, y, x + w, y + h, in_rect);
}

static void frame(double x, double y, double w, double h, double t)
{
	rect(x, y, w, t);
	rect(x, y + h - t, w, t);
	rect(x, y, t, h);
	rect(x + w - t, y, t, h);
}

static int in_capsule(const double *a, double x, double y)
{
	double vx = a[2] - a[0], vy = a[3] - a[1];
	double l2 = vx * vx + vy * vy;
	double t = l2 > 0 ? ((x - a[0]) * vx + (y - a[1]) * vy) / l2 : 0;

	if (t < 0) t = 0;
	if (t > 1) t = 1;
	return hypot(x - (a[0] + t * vx), y - (a[1] + t * vy)) <= a[4] / 2;
}

static void line(double x0, double y0, double x1, double y1, double w)
{
	double a[5] = { x0, y0, x1, y1, w };
	fill(a, fmin(x0, x1) - w, fmin(y0, y1) - w, fmax(x0, x1) + w,
		fmax(y0, y1) + w, in_capsule);
}

static int in_poly(const double *a, double x, double y)
{
	int n = (int)a[0], c = 0;
	const double *p = a + 1;

	for (int i = 0, j = n - 1; i < n; j = i++) {
		double xi = p[2 * i], yi = p[2 * i + 1];
		double xj = p[2 * j], yj = p[2 * j + 1];
		if (((yi > y) != (yj > y)) &&
		    (x < (xj - xi) * (y - yi) / (yj - yi) + xi))
			c = !c;
	}
	return c;
}

/* poly(n, x0, y0, x1, y1, ...) */
static void poly(int n, const double *pts)
{
	double a[1 + 2 * 16];
	double x0 = 100, y0 = 100, x1 = 0, y1 = 0;

	a[0] = n;
	for (int i = 0; i < n; i++) {
		a[1 + 2 * i] = pts[2 * i];
		a[2 + 2 * i] = pts[2 * i + 1];
		x0 = fmin(x0, pts[2 * i]);
		x1 = fmax(x1, pts[2 * i]);
		y0 = fmin(y0, pts[2 * i + 1]);
		y1 = fmax(y1, pts[2 * i + 1]);
	}
	fill(a, x0, y0, x1, y1, in_poly);
}

#define POLY(...) do { static const double p_[] = { __VA_ARGS__ }; \
	poly((int)(sizeof p_ / sizeof p_[0] / 2), p_); } while (0)

/* ---- the icons ---- */

static void ic_back(void) { line(20, 50, 80, 50, 10); line(20, 50, 45, 25, 10); line(20, 50, 45, 75, 10); }
static void ic_next(void) { line(20, 50, 80, 50, 10); line(80, 50, 55, 25, 10); line(80, 50, 55, 75, 10); }
static void ic_up(void) { line(50, 25, 20, 60, 10); line(50, 25, 80, 60, 10); }
static void ic_down(void) { line(50, 75, 20, 40, 10); line(50, 75, 80, 40, 10); }
static void ic_check(void) { line(15, 52, 40, 77, 12); line(40, 77, 85, 25, 12); }
static void ic_close(void) { line(22, 22, 78, 78, 12); line(78, 22, 22, 78, 12); }

static void ic_lang(void)
{
	ring(50, 50, 40, 7);
	arc(50, 50, 40, 0, 0, 0);
	paint = 1;
	ellipse(50, 50, 16, 40);
	paint = 0;
	ellipse(50, 50, 10, 34);
	paint = 1;
	rect(12, 47, 76, 6);
	rect(20, 27, 60, 5);
	rect(20, 68, 60, 5);
}

static void ic_edit(void)
{
	line(25, 75, 72, 28, 14);
	POLY(14, 86, 18, 70, 30, 82);
	rect(12, 88, 76, 5);
}

static void ic_print(void)
{
	rect(28, 12, 44, 24);
	rect(12, 36, 76, 34);
	paint = 0;
	rect(28, 56, 44, 8);
	paint = 1;
	rect(28, 60, 44, 28);
	paint = 0;
	rect(34, 66, 32, 16);
	paint = 1;
	rect(38, 70, 24, 3);
	rect(38, 77, 24, 3);
}

static void ic_status(void) { ring(42, 42, 28, 9); line(62, 62, 86, 86, 13); }

static void ic_qr(void)
{
	frame(10, 10, 30, 30, 6); rect(19, 19, 12, 12);
	frame(60, 10, 30, 30, 6); rect(69, 19, 12, 12);
	frame(10, 60, 30, 30, 6); rect(19, 69, 12, 12);
	rect(60, 60, 10, 10); rect(80, 60, 10, 10); rect(70, 70, 10, 10);
	rect(60, 80, 10, 10); rect(80, 80, 10, 10); rect(46, 10, 8, 10);
	rect(46, 30, 8, 16); rect(10, 46, 16, 8); rect(36, 46, 24, 8);
}

static void ic_person(void) { circle(50, 30, 18); ellipse(50, 88, 34, 36); paint = 0; rect(0, 92, 100, 8); paint = 1; }

static void ic_idcard(void)
{
	frame(6, 20, 88, 60, 6);
	circle(30, 43, 9);
	ellipse(30, 68, 14, 10);
	paint = 0; rect(10, 70, 40, 8); paint = 1;
	rect(50, 36, 34, 6); rect(50, 50, 34, 6); rect(50, 62, 24, 6);
}

static void ic_calendar(void)
{
	frame(12, 18, 76, 70, 6);
	rect(12, 18, 76, 18);
	rect(28, 8, 7, 18); rect(65, 8, 7, 18);
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 4; c++)
			rect(22 + c * 15, 44 + r * 13, 9, 8);
}

static void ic_male(void)
{
	ring(40, 60, 26, 9);
	line(58, 42, 84, 16, 9);
	line(84, 16, 62, 16, 9);
	line(84, 16, 84, 38, 9);
}

static void ic_female(void)
{
	ring(50, 38, 26, 9);
	line(50, 62, 50, 92, 9);
	line(36, 78, 64, 78, 9);
}

static void ic_pin(void)
{
	circle(50, 38, 28);
	POLY(26, 52, 74, 52, 50, 94);
	paint = 0; circle(50, 38, 11); paint = 1;
}

static void ic_money(void)
{
	frame(6, 26, 88, 48, 6);
	ring(50, 50, 14, 6);
	circle(20, 50, 5); circle(80, 50, 5);
}

static void ic_phone(void)
{
	frame(28, 6, 44, 88, 6);
	rect(28, 18, 44, 4); rect(28, 76, 44, 4);
	circle(50, 86, 3);
}

static void ic_consent(void)
{
	POLY(50, 6, 88, 20, 84, 58, 50, 94, 16, 58, 12, 20);
	paint = 0;
	line(32, 50, 46, 64, 9);
	line(46, 64, 70, 36, 9);
	paint = 1;
}

static void ic_officer(void)
{
	POLY(50, 6, 61, 36, 94, 38, 68, 58, 78, 90, 50, 72, 22, 90, 32, 58, 6, 38, 39, 36);
}

static void ic_clock(void) { ring(50, 50, 42, 8); line(50, 50, 50, 24, 8); line(50, 50, 70, 60, 8); }

static void ic_warning(void)
{
	POLY(50, 6, 96, 90, 4, 90);
	paint = 0;
	line(50, 36, 50, 62, 9);
	circle(50, 76, 5);
	paint = 1;
}

static void ic_home(void)
{
	POLY(50, 8, 94, 48, 82, 48, 82, 90, 18, 90, 18, 48, 6, 48);
	paint = 0; rect(40, 62, 20, 28); paint = 1;
}

static void ic_del(void)
{
	POLY(6, 50, 30, 18, 94, 18, 94, 82, 30, 82);
	paint = 0;
	line(46, 34, 76, 66, 8);
	line(76, 34, 46, 66, 8);
	paint = 1;
}

static void ic_camera(void)
{
	rect(8, 28, 84, 58);
	rect(34, 16, 32, 14);
	paint = 0; circle(50, 57, 20); paint = 1;
	circle(50, 57, 12);
}

static void ic_file(void)
{
	POLY(20, 6, 62, 6, 82, 26, 82, 94, 20, 94);
	paint = 0;
	POLY(62, 6, 82, 26, 62, 26);
	rect(32, 44, 38, 5); rect(32, 58, 38, 5); rect(32, 72, 28, 5);
	paint = 1;
}

static void ic_sync(void)
{
	arc(50, 50, 38, 9, 200, 340);
	POLY(80, 22, 94, 46, 66, 46);
	arc(50, 50, 38, 9, 20, 160);
	POLY(20, 78, 6, 54, 34, 54);
}

static void ic_register(void)
{
	frame(14, 8, 60, 84, 6);
	rect(24, 26, 40, 5); rect(24, 40, 40, 5); rect(24, 54, 26, 5);
	rect(72, 56, 20, 8); rect(78, 50, 8, 20);
}

static void ic_keyboard(void)
{
	frame(4, 24, 92, 52, 6);
	for (int c = 0; c < 6; c++) { rect(14 + c * 12.5, 34, 8, 8); rect(14 + c * 12.5, 47, 8, 8); }
	rect(26, 61, 48, 6);
}

/* Occupations: simple, recognisable silhouettes. */
static void occ_farmer(void) /* caping hat over rice stalks */
{
	POLY(50, 10, 94, 44, 6, 44);
	line(30, 92, 36, 52, 6); line(50, 94, 50, 52, 6); line(70, 92, 64, 52, 6);
	ellipse(38, 60, 5, 9); ellipse(62, 60, 5, 9);
}

static void occ_fisher(void) /* fish */
{
	ellipse(44, 50, 32, 20);
	POLY(70, 50, 94, 30, 94, 70);
	paint = 0; circle(28, 45, 5); paint = 1;
}

static void occ_vendor(void) /* cart with umbrella */
{
	POLY(50, 8, 90, 32, 10, 32);
	rect(48, 32, 4, 20);
	rect(14, 52, 72, 22);
	ring(28, 84, 10, 5); ring(72, 84, 10, 5);
	line(86, 56, 96, 46, 5);
}

static void occ_ojek(void) /* motorbike */
{
	ring(20, 68, 16, 7); ring(80, 68, 16, 7);
	POLY(24, 64, 40, 44, 66, 44, 76, 64);
	line(66, 44, 74, 26, 7);
	line(68, 26, 84, 26, 7);
	ellipse(46, 38, 14, 6);
}

static void occ_daylabour(void) /* shovel */
{
	line(50, 8, 50, 58, 8);
	rect(40, 6, 20, 6);
	POLY(32, 56, 68, 56, 68, 80, 50, 96, 32, 80);
}

static void occ_homeworker(void) /* house with a sewing needle and thread */
{
	POLY(50, 8, 92, 44, 8, 44);
	rect(16, 44, 68, 48);
	paint = 0;
	line(30, 82, 70, 56, 6);
	ring(72, 55, 7, 3);
	paint = 1;
}

static void occ_craft(void) /* clay pot */
{
	ellipse(50, 60, 34, 30);
	rect(36, 16, 28, 20);
	rect(30, 12, 40, 8);
	paint = 0; rect(20, 58, 60, 5); paint = 1;
}

static void occ_construction(void) /* helmet */
{
	ellipse(50, 58, 38, 40);
	paint = 0; rect(0, 58, 100, 42); paint = 1;
	rect(4, 58, 92, 10);
	paint = 0; rect(46, 22, 8, 36); paint = 1;
	rect(46, 18, 8, 4);
}

static void occ_farmlabour(void) /* sickle */
{
	arc(54, 42, 34, 10, 180, 20);
	line(24, 60, 12, 92, 10);
}

static void occ_domestic(void) /* broom */
{
	line(68, 6, 46, 56, 7);
	POLY(36, 52, 60, 62, 52, 96, 14, 82);
}

static void occ_wastepicker(void) /* bin */
{
	rect(14, 20, 72, 8);
	rect(40, 10, 20, 8);
	POLY(20, 32, 80, 32, 74, 94, 26, 94);
	paint = 0;
	rect(36, 42, 5, 42); rect(48, 42, 5, 42); rect(60, 42, 5, 42);
	paint = 1;
}

static void occ_porter(void) /* sack and crate stacked */
{
	rect(14, 56, 72, 38);
	paint = 0; rect(20, 62, 60, 26); paint = 1;
	line(14, 56, 86, 94, 5); line(86, 56, 14, 94, 5);
	ellipse(50, 32, 26, 22);
	rect(44, 6, 12, 8);
}

static void occ_other(void) { circle(20, 50, 10); circle(50, 50, 10); circle(80, 50, 10); }

struct icon {
	const char *name;
	void (*draw)(void);
};

static const struct icon icons[] = {
	{ "back", ic_back }, { "next", ic_next }, { "up", ic_up }, { "down", ic_down },
	{ "check", ic_check }, { "close", ic_close }, { "lang", ic_lang },
	{ "edit", ic_edit }, { "print", ic_print }, { "status", ic_status },
	{ "qr", ic_qr }, { "person", ic_person }, { "idcard", ic_idcard },
	{ "calendar", ic_calendar }, { "male", ic_male }, { "female", ic_female },
	{ "pin", ic_pin }, { "money", ic_money }, { "phone", ic_phone },
	{ "consent", ic_consent }, { "officer", ic_officer }, { "clock", ic_clock },
	{ "warning", ic_warning }, { "home", ic_home }, { "del", ic_del },
	{ "camera", ic_camera }, { "file", ic_file }, { "sync", ic_sync },
	{ "register", ic_register }, { "keyboard", ic_keyboard },
	{ "occ-farmer", occ_farmer }, { "occ-fisher", occ_fisher },
	{ "occ-street_vendor", occ_vendor }, { "occ-ojek_driver", occ_ojek },
	{ "occ-day_labourer", occ_daylabour }, { "occ-home_worker", occ_homeworker },
	{ "occ-craftsperson", occ_craft }, { "occ-construction", occ_construction },
	{ "occ-farm_labourer", occ_farmlabour }, { "occ-domestic_worker", occ_domestic },
	{ "occ-waste_picker", occ_wastepicker }, { "occ-porter", occ_porter },
	{ "occ-other_informal", occ_other },
};

static int write_png(const char *path)
{
	static unsigned char ga[OUT * OUT * 2];
	png_bytep rows[OUT];
	png_structp png;
	png_infop info;
	FILE *f;

	for (int y = 0; y < OUT; y++)
		for (int x = 0; x < OUT; x++) {
			unsigned sum = 0;
			for (int sy = 0; sy < SS; sy++)
				for (int sx = 0; sx < SS; sx++)
					sum += canvas[(y * SS + sy) * CAN + x * SS + sx];
			ga[(y * OUT + x) * 2] = 255;
			ga[(y * OUT + x) * 2 + 1] = (unsigned char)(sum * 255 / (SS * SS));
		}
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (info == NULL || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		fclose(f);
		return -1;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, OUT, OUT, 8, PNG_COLOR_TYPE_GRAY_ALPHA,
		PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	for (int y = 0; y < OUT; y++)
		rows[y] = ga + y * OUT * 2;
	png_set_rows(png, info, rows);
	png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
	png_destroy_write_struct(&png, &info);
	return fclose(f) == 0 ? 0 : -1;
}

static const char help_text[] =
	"jr_gen_icons: draws the kiosk's icons (128x128 white-on-transparent PNGs\n"
	"that the kiosk tints) from shapes in its own code; no third-party art.\n"
	"A build-time tool: the kiosk's build runs it.\n"
	"\n"
	"usage: jr_gen_icons OUTDIR\n"
	"       jr_gen_icons --help\n"
	"\n"
	"  OUTDIR      folder for the PNGs (made if missing; files in it replaced)\n"
	"  -h, --help  print this help and exit\n"
	"\n"
	"exit status:\n"
	"  0  every icon written\n"
	"  1  the folder or a file cannot be written\n"
	"  2  usage error: an unknown option, a missing or an extra argument\n";

/* The one positional argument, or NULL with *status set (0 after --help,
 * 2 after a usage error). */
static const char *parse_args(int argc, char **argv, int *status)
{
	const char *dir = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help_text, stdout);
			*status = fflush(stdout) == 0 ? 0 : 1;
			return NULL;
		}
		if (argv[i][0] == '-' || dir != NULL) {
			fprintf(stderr, "jr_gen_icons: %s '%s'; see --help\n",
				argv[i][0] == '-' ? "unknown option" : "unexpected argument", argv[i]);
			*status = 2;
			return NULL;
		}
		dir = argv[i];
	}
	if (dir == NULL) {
		fprintf(stderr, "jr_gen_icons: missing argument OUTDIR; see --help\n");
		*status = 2;
	}
	return dir;
}

int main(int argc, char **argv)
{
	char path[4096];
	int status = 0;
	const char *dir = parse_args(argc, argv, &status);

	if (dir == NULL)
		return status;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	for (size_t i = 0; i < sizeof icons / sizeof icons[0]; i++) {
		int n = snprintf(path, sizeof path, "%s/%s.png", dir, icons[i].name);
		if (n < 0 || (size_t)n >= sizeof path) {
			fprintf(stderr, "jr_gen_icons: path too long\n");
			return 1;
		}
		memset(canvas, 0, sizeof canvas);
		paint = 1;
		icons[i].draw();
		if (write_png(path) != 0) {
			fprintf(stderr, "jr_gen_icons: cannot write %s\n", path);
			return 1;
		}
	}
	return 0;
}
