/*
 * The scripted-session driver. See script.h and docs/kiosk.md.
 *
 * Inputs only ever enter through SDL's event queue. The commands that reach
 * past the screen are test fixtures, each named for what it stands in for:
 * `status` fills the status store through kstore_status_put() as the sync
 * import will; `forge-receipt` and `foreign-receipt` make pictures of bad
 * receipts; `twin-code` gives the last receipt's typed code to a second
 * registration, as a 45-bit collision would; `officer-key` makes an
 * officer's PIN-sealed key on the session's drive; `roster` signs the
 * consortium's roster as provisioning gives it; `village-file` puts the
 * consortium's village binding on the drive; `centre-import` plays the
 * officer taking the drive to the centre (jr_sync_import_run on it, the
 * stand-in centre jaring-sync import runs); `wait-sync` waits for the sync
 * worker; the expect-* commands read the shard. None of them changes what a
 * screen holds.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <SDL_image.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "log.h"
#include "screens.h"
#include "script.h"
#include "util.h"
#include "jaring/binding.h"
#include "jaring/block.h"
#include "jaring/region.h"
#include "jaring/roster.h"
#include "jaring/seal.h"
#include "jaring/sync.h"

#define MAX_TOKENS 12
#define TOKEN_MAX 512

struct session {
	struct kapp app;
	struct kconfig cfg;
	bool started;
	int64_t clock_start;
	char out[KCONF_PATH_MAX];
	const char *script;
	unsigned line;
	struct jr_key *consortium;   /* test consortium: opens sealed records */
	bool has_officer;            /* officer-key made an officer's key */
	struct jr_pubkey officer;
	uint64_t roster_serial;      /* of the last roster signed */
	bool officer_revoked, officer_absent;
	int shots;
	int last_screen;
	bool no_autoshots;           /* `screenshots off`: only `screenshot` saves */
	char failure[1024];
	bool failed;
	unsigned checks;
	struct kscript_stats *stats;
};

static bool fail(struct session *s, const char *fmt, const char *a1,
	const char *a2, const char *a3)
{
	char msg[900];

	kfmt(msg, sizeof msg, fmt, a1, a2, a3);
	snprintf(s->failure, sizeof s->failure, "%s:%u: %s", s->script, s->line, msg);
	s->failed = true;
	return false;
}

/* A whole decimal number from a script; a typo fails the script. */
static uint32_t num(struct session *s, const char *t)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(t, &end, 10);
	if (errno != 0 || end == t || *end != '\0' || v > UINT32_MAX) {
		fail(s, "not a number: \"{1}\"", t, NULL, NULL);
		return 0;
	}
	return (uint32_t)v;
}

/* Reads a decimal int in [lo, hi] at *p that ends at the character sep
 * ('\0': the end of the text) and moves *p past sep. False, *p unchanged,
 * on no digits, another character, or a value out of range. */
static bool int_field(const char **p, char sep, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno != 0 || end == *p || *end != sep || v < lo || v > hi)
		return false;
	*out = (int)v;
	*p = sep == '\0' ? end : end + 1;
	return true;
}

/* ---- files ---- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static bool fresh_dir(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return kmkdirs(dir);
}

static bool out_path(struct session *s, const char *rel, char *out, size_t n)
{
	if (rel[0] == '/')
		return kstrlcpy(out, rel, n);
	return kpath(out, n, s->out, rel);
}

/* ---- tokens ---- */

static int tokenize(char *line, char tok[MAX_TOKENS][TOKEN_MAX])
{
	int n = 0;
	char *p = line;

	while (*p != '\0' && n < MAX_TOKENS) {
		size_t o = 0;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || (n == 0 && *p == '#'))
			break;
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (o + 1 < TOKEN_MAX)
					tok[n][o++] = *p;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
				if (o + 1 < TOKEN_MAX)
					tok[n][o++] = *p;
				p++;
			}
		}
		tok[n][o] = '\0';
		n++;
	}
	return n;
}

static bool after_action(struct session *s);

/* ---- setup ---- */

static bool make_consortium(struct session *s)
{
	struct jr_pubkey pub;
	struct jr_errbuf eb = { 0 };
	char path[KCONF_PATH_MAX];

	if (!out_path(s, "consortium.pub", path, sizeof path) ||
	    jr_key_generate(JR_ROLE_CONSORTIUM, &s->consortium) != JR_OK)
		return fail(s, "cannot make the test consortium key", NULL, NULL, NULL);
	jr_key_public(s->consortium, &pub);
	if (jr_pubkey_save(&pub, path, &eb) != JR_OK)
		return fail(s, "cannot save {1}: {2}", path, eb.msg, NULL);
	return kstrlcpy(s->cfg.consortium_pubkey, path, sizeof s->cfg.consortium_pubkey);
}

static bool session_defaults(struct session *s)
{
	char p[KCONF_PATH_MAX];

	kconfig_defaults(&s->cfg);
	if (!out_path(s, "data", s->cfg.data_dir, sizeof s->cfg.data_dir) ||
	    !out_path(s, "receipts", s->cfg.receipts_dir, sizeof s->cfg.receipts_dir) ||
	    !out_path(s, "printer.bin", s->cfg.printer, sizeof s->cfg.printer) ||
	    !out_path(s, "drive/JARING/OFFICER.KEY", s->cfg.officer_key, sizeof s->cfg.officer_key) ||
	    !out_path(s, "drive", s->cfg.sync_drive, sizeof s->cfg.sync_drive) ||
	    !out_path(s, "roster.jrr", s->cfg.roster, sizeof s->cfg.roster) ||
	    !out_path(s, "printer.bin", p, sizeof p))
		return fail(s, "output directory path too long", NULL, NULL, NULL);
	kstrlcpy(s->cfg.village, "33.28.01.2001", sizeof s->cfg.village);
	/* The test printer is a plain file standing in for /dev/usb/lp0. */
	FILE *f = fopen(p, "wb");
	if (f != NULL)
		(void)fclose(f); /* nothing written; a missing file shows later */
	/* 2026-06-02 09:00 WIB (after the registrar's time floor) */
	s->clock_start = 1780365600;
	return make_consortium(s);
}

static bool start(struct session *s)
{
	char err[512];

	if (s->started)
		return true;
	if (!app_init(&s->app, &s->cfg, s->clock_start, err, sizeof err))
		return fail(s, "the kiosk did not start: {1}", err, NULL, NULL);
	s->started = true;
	s->last_screen = -1;
	app_render(&s->app);
	return after_action(s);
}

/* ---- screen checks ---- */

static bool screenshot(struct session *s, const char *name)
{
	struct kapp *a = &s->app;
	char path[KCONF_PATH_MAX + 64], file[96];
	SDL_Surface *surf;
	bool ok;

	app_render(a);
	kfmt(file, sizeof file, "{1}.png", name, NULL, NULL);
	if (!out_path(s, file, path, sizeof path))
		return fail(s, "screenshot path too long", NULL, NULL, NULL);
	surf = SDL_CreateRGBSurfaceWithFormat(0, a->ui.w, a->ui.h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (surf == NULL)
		return fail(s, "cannot make a surface: {1}", SDL_GetError(), NULL, NULL);
	/* The software renderer keeps the presented frame in the window
	 * surface, so it can be read back after app_render. */
	ok = SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, surf->pixels,
		surf->pitch) == 0 && IMG_SavePNG(surf, path) == 0;
	SDL_FreeSurface(surf);
	return ok ? true : fail(s, "cannot save {1}: {2}", path, SDL_GetError(), NULL);
}

/* Fails on text cut off, targets under 9 mm and untranslated strings. */
static bool check_screen(struct session *s)
{
	struct kapp *a = &s->app;
	char n[16];

	app_layout(a);
	if (a->ui.clipped > 0)
		return fail(s, "text does not fit on screen {1}: \"{2}\"", a->ops->name,
			a->ui.clipped_what, NULL);
	if (a->ui.small_targets > 0) {
		char what[96];
		for (int i = 0; i < a->ui.n_widgets; i++) {
			const struct ui_widget *w = &a->ui.widgets[i];
			if (w->r.w >= ui_mm(&a->ui, UI_MIN_TARGET_MM) &&
			    w->r.h >= ui_mm(&a->ui, UI_MIN_TARGET_MM))
				continue;
			snprintf(what, sizeof what, "#%s is %.1f x %.1f mm", w->name,
				(double)w->r.w / a->ui.pxmm, (double)w->r.h / a->ui.pxmm);
			break;
		}
		snprintf(n, sizeof n, "%u", a->ui.small_targets);
		return fail(s, "{1} touch targets under 9 mm on screen {2}, e.g. {3}", n,
			a->ops->name, what);
	}
	if (ki18n_misses(a->tr) > 0)
		return fail(s, "no translation for \"{1}\"", ki18n_last_miss(a->tr), NULL, NULL);
	return true;
}

static bool after_action(struct session *s)
{
	struct kapp *a = &s->app;
	char name[64], num[16];

	for (int i = 0; i < 5 && a->pending != NULL; i++)
		app_pump(a);
	if (a->dirty)
		app_render(a);
	if (!check_screen(s))
		return false;
	if ((int)a->screen != s->last_screen && s->stats == NULL && !s->no_autoshots) {
		s->last_screen = (int)a->screen;
		snprintf(num, sizeof num, "%02d", ++s->shots);
		kfmt(name, sizeof name, "{1}-{2}", num, a->ops->name, NULL);
		return screenshot(s, name);
	}
	return true;
}

/* ---- input through SDL's queue ---- */

static void push(SDL_Event *e)
{
	e->common.timestamp = SDL_GetTicks();
	SDL_PushEvent(e);
}

static void mouse(struct session *s, Uint32 type, int x, int y)
{
	SDL_Event e;

	memset(&e, 0, sizeof e);
	e.type = type;
	e.button.windowID = SDL_GetWindowID(s->app.win);
	e.button.which = 0;
	e.button.button = SDL_BUTTON_LEFT;
	e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
	e.button.clicks = 1;
	e.button.x = x;
	e.button.y = y;
	push(&e);
}

static void finger(struct session *s, Uint32 type, int x, int y)
{
	SDL_Event e;

	memset(&e, 0, sizeof e);
	e.type = type;
	e.tfinger.touchId = 1;
	e.tfinger.fingerId = 1;
	e.tfinger.x = ((float)x + 0.5f) / (float)s->app.ui.w;
	e.tfinger.y = ((float)y + 0.5f) / (float)s->app.ui.h;
	e.tfinger.pressure = 1.0f;
	e.tfinger.windowID = SDL_GetWindowID(s->app.win);
	push(&e);
}

static const struct ui_widget *find_widget(struct session *s, const char *target)
{
	const struct ui *u = &s->app.ui;

	app_layout(&s->app);
	for (int i = 0; i < u->n_widgets; i++) {
		const struct ui_widget *w = &u->widgets[i];
		if (target[0] == '#' ? strcmp(w->name, target + 1) == 0 : strcmp(w->label, target) == 0)
			return w;
	}
	return NULL;
}

static void list_widgets(struct session *s, char *out, size_t n)
{
	const struct ui *u = &s->app.ui;

	out[0] = '\0';
	for (int i = 0; i < u->n_widgets; i++) {
		kstrlcat(out, " #", n);
		kstrlcat(out, u->widgets[i].name, n);
		if (u->widgets[i].label[0] != '\0') {
			kstrlcat(out, "=\"", n);
			kstrlcat(out, u->widgets[i].label, n);
			kstrlcat(out, "\"", n);
		}
	}
}

static bool tap(struct session *s, const char *target, bool use_finger)
{
	int x, y;

	if (target[0] == '@') {
		const char *p = target + 1;
		if (!int_field(&p, ',', INT_MIN, INT_MAX, &x) ||
		    !int_field(&p, '\0', INT_MIN, INT_MAX, &y))
			return fail(s, "bad coordinates {1}", target, NULL, NULL);
	} else {
		const struct ui_widget *w = find_widget(s, target);
		if (w == NULL) {
			char list[700];
			list_widgets(s, list, sizeof list);
			return fail(s, "nothing to tap called \"{1}\" on screen {2}; there is:{3}",
				target, s->app.ops->name, list);
		}
		if (!w->enabled)
			return fail(s, "\"{1}\" is disabled on screen {2}", target, s->app.ops->name, NULL);
		x = w->r.x + w->r.w / 2;
		y = w->r.y + w->r.h / 2;
	}
	if (use_finger)
		finger(s, SDL_FINGERDOWN, x, y);
	else
		mouse(s, SDL_MOUSEBUTTONDOWN, x, y);
	app_pump(&s->app);
	if (use_finger)
		finger(s, SDL_FINGERUP, x, y);
	else
		mouse(s, SDL_MOUSEBUTTONUP, x, y);
	app_pump(&s->app);
	return after_action(s);
}

static bool type_text(struct session *s, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		SDL_Event e;
		size_t len = 1;
		while (((unsigned char)p[len] & 0xC0) == 0x80)
			len++;
		memset(&e, 0, sizeof e);
		e.type = SDL_TEXTINPUT;
		e.text.windowID = SDL_GetWindowID(s->app.win);
		memcpy(e.text.text, p, len);
		push(&e);
		p += len;
	}
	app_pump(&s->app);
	return after_action(s);
}

static bool key(struct session *s, const char *name)
{
	SDL_Keycode k = SDL_GetKeyFromName(name);
	SDL_Event e;

	if (k == SDLK_UNKNOWN)
		return fail(s, "unknown key {1}", name, NULL, NULL);
	memset(&e, 0, sizeof e);
	e.type = SDL_KEYDOWN;
	e.key.windowID = SDL_GetWindowID(s->app.win);
	e.key.state = SDL_PRESSED;
	e.key.keysym.sym = k;
	e.key.keysym.scancode = SDL_GetScancodeFromKey(k);
	push(&e);
	e.type = SDL_KEYUP;
	e.key.state = SDL_RELEASED;
	push(&e);
	app_pump(&s->app);
	return after_action(s);
}

/* Taps the on-screen key labelled with each character in turn. */
static bool keys(struct session *s, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		char label[2] = { *p, '\0' };
		const char *target = *p == ' ' ? "#key-space" : label;
		/* A key on the other layout: switch as a person would. */
		if (find_widget(s, target) == NULL && find_widget(s, "#key-mode") != NULL &&
		    !tap(s, "#key-mode", false))
			return false;
		if (!tap(s, target, false))
			return false;
	}
	return true;
}

static long peak_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	(void)fclose(f); /* read only: nothing to lose */
	return kb;
}

static bool bench_rss(struct session *s, const char *arg)
{
	struct kscript_stats *st = s->stats;

	if (st == NULL)
		return true;
	if (st->n_rss < KSCRIPT_RSS_MAX) {
		st->rss_label[st->n_rss] = num(s, arg);
		st->rss_kb[st->n_rss++] = peak_rss_kb();
	}
	return true;
}

/* The person reads the code printed under the QR of their last receipt
 * and taps it in. */
static bool keys_last_code(struct session *s, int change)
{
	struct jr_receipt rc;
	char text[JR_RECEIPT_TEXT_MAX + 1], code[JR_CODE_TEXT_LEN + 1], typed[JR_CODE_LEN + 1];
	size_t o = 0;

	if (kbackend_last_receipt(&s->app.be, &rc, text) != JR_OK)
		return fail(s, "no receipt in the shard", NULL, NULL, NULL);
	jr_receipt_code(rc.regid, code);
	for (const char *p = code; *p != '\0' && o < JR_CODE_LEN; p++)
		if (*p != '-')
			typed[o++] = *p;
	typed[o] = '\0';
	/* The misread below changes symbol 3 and must not overwrite the end. */
	if (o != JR_CODE_LEN)
		return fail(s, "the receipt code is not {1} symbols", "10", NULL, NULL);
	if (change) /* a misread symbol: the check symbol must catch it */
		typed[2] = typed[2] == 'A' ? 'B' : 'A';
	return keys(s, typed);
}

static bool wait_ms(struct session *s, long ms)
{
	for (long t = 0; t < ms; t += 100) {
		kclock_advance(&s->app.clock, 100);
		app_pump(&s->app);
		if (!after_action(s))
			return false;
	}
	return true;
}

/* ---- assertions ---- */

static bool expect_text(struct session *s, const char *text, bool present)
{
	bool found;

	app_layout(&s->app);
	found = strstr(s->app.ui.textlog, text) != NULL;
	s->checks++;
	if (found == present)
		return true;
	return fail(s, present ? "\"{1}\" is not on screen {2}; the screen shows: {3}" :
		"\"{1}\" is on screen {2} but must not be", text, s->app.ops->name,
		s->app.ui.textlog);
}

static bool expect_number(struct session *s, const char *what, uint64_t got, const char *want)
{
	char g[24];

	s->checks++;
	snprintf(g, sizeof g, "%llu", (unsigned long long)got);
	if (strcmp(g, want) == 0)
		return true;
	return fail(s, "{1} is {2}, expected {3}", what, g, want);
}

static size_t count_bytes(const uint8_t *p, size_t n, const char *pat, size_t plen)
{
	size_t c = 0;

	for (size_t i = 0; i + plen <= n; i++)
		if (memcmp(p + i, pat, plen) == 0)
			c++;
	return c;
}

static bool expect_printed(struct session *s, const char *want)
{
	struct jr_buf b = { 0 };
	size_t inits, rasters;

	if (jr_file_read(s->cfg.printer, 16 * 1024 * 1024, &b, NULL) != JR_OK)
		return expect_number(s, "receipts printed", 0, want);
	inits = count_bytes(b.base, b.len, "\x1b@", 2);
	rasters = count_bytes(b.base, b.len, "\x1dv0", 3);
	jr_buf_free(&b);
	if (inits > 0 && rasters < inits)
		return fail(s, "printer output has ESC @ without raster images", NULL, NULL, NULL);
	return expect_number(s, "receipts printed", inits, want);
}

/* True if name is "receipt-" six or more digits ".png". */
static bool receipt_file_name(const char *name)
{
	size_t n = strlen(name), d = 0;

	if (n < 8 + 6 + 4 || strncmp(name, "receipt-", 8) != 0 ||
	    strcmp(name + n - 4, ".png") != 0)
		return false;
	for (size_t i = 8; i < n - 4; i++, d++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return d >= 6;
}

/* expect-receipt-files N: receipts_dir holds N files, each named
 * receipt-<height>.png (no typed code in any name) and readable by the
 * kiosk's user only (mode 0600). */
static bool expect_receipt_files(struct session *s, const char *want)
{
	char path[KCONF_PATH_MAX + 300];
	struct dirent *e;
	struct stat st;
	size_t n = 0;
	DIR *d;

	if ((d = opendir(s->app.cfg.receipts_dir)) == NULL)
		return expect_number(s, "receipt files", 0, want);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (!receipt_file_name(e->d_name)) {
			closedir(d);
			return fail(s, "receipt file {1} is not named receipt-<height>.png",
				e->d_name, NULL, NULL);
		}
		if (snprintf(path, sizeof path, "%s/%s", s->app.cfg.receipts_dir,
			e->d_name) >= (int)sizeof path || stat(path, &st) != 0 ||
		    (st.st_mode & 0777) != 0600) {
			closedir(d);
			return fail(s, "receipt file {1} is not mode 0600", e->d_name, NULL, NULL);
		}
	}
	closedir(d);
	return expect_number(s, "receipt files", n, want);
}

/* The kiosk's log (and its rotated copy) must not hold this text. */
static bool expect_not_in_log(struct session *s, const char *text)
{
	static const char *const files[] = { "kiosk.log", "kiosk.log.1" };
	char path[KCONF_PATH_MAX + 16];

	s->checks++;
	for (size_t i = 0; i < 2; i++) {
		struct jr_buf b = { 0 };
		bool found;
		if (!kpath(path, sizeof path, s->cfg.data_dir, files[i]) ||
		    jr_file_read(path, 4u << 20, &b, NULL) != JR_OK)
			continue;
		found = kmemmem(b.base, b.len, text, strlen(text)) != NULL;
		jr_buf_free(&b);
		if (found)
			return fail(s, "{1} holds \"{2}\"", files[i], text, NULL);
	}
	return true;
}

/* The record at a height, opened with the test consortium key. */
static bool open_record(struct session *s, uint64_t height, struct jr_registration *r,
	uint8_t regid[JR_REGID_BYTES])
{
	struct jr_buf body = { 0 };
	uint8_t sig[JR_SIG_BYTES];
	struct jr_block b;
	struct jr_seal_opener *op = NULL;
	struct jr_errbuf eb = { 0 };
	int err;

	err = jr_shard_get(s->app.be.shard, height, &body, sig, &eb);
	if (err == JR_OK)
		err = jr_block_decode(body.base, body.len, &b, &eb);
	if (err == JR_OK && b.n_records != 1)
		err = jr_errf(&eb, JR_EFORMAT, "block has %zu records", b.n_records);
	if (err == JR_OK)
		err = jr_seal_opener_new(s->consortium, &op);
	if (err == JR_OK)
		err = jr_record_open(b.records[0], b.record_len[0], op, r, &eb);
	if (err == JR_OK)
		jr_record_id(b.records[0], b.record_len[0], regid);
	jr_seal_opener_free(op);
	jr_buf_free(&body);
	if (err != JR_OK)
		return fail(s, "cannot open the record: {1}", eb.msg, NULL, NULL);
	return true;
}

static bool record_field(struct session *s, const struct jr_registration *r,
	const char *field, char *out, size_t n)
{
	if (strcmp(field, "nik") == 0) kstrlcpy(out, r->nik, n);
	else if (strcmp(field, "name") == 0) kstrlcpy(out, r->name, n);
	else if (strcmp(field, "phone") == 0) kstrlcpy(out, r->phone, n);
	else if (strcmp(field, "address") == 0) kstrlcpy(out, r->address, n);
	else if (strcmp(field, "birth") == 0) snprintf(out, n, "%u", r->birth);
	else if (strcmp(field, "village") == 0) snprintf(out, n, "%llu", (unsigned long long)r->village);
	else if (strcmp(field, "occupation") == 0) snprintf(out, n, "%d", (int)r->occupation);
	else if (strcmp(field, "income") == 0) snprintf(out, n, "%d", (int)r->income);
	else if (strcmp(field, "sex") == 0) snprintf(out, n, "%d", (int)r->sex);
	else if (strcmp(field, "birth_year") == 0) snprintf(out, n, "%u", r->birth_year);
	else return fail(s, "unknown record field {1}", field, NULL, NULL);
	return true;
}

/* expect-record HEIGHT FIELD VALUE | expect-record HEIGHT corrects HEIGHT2 */
static bool expect_record(struct session *s, const char *h, const char *field,
	const char *want)
{
	struct jr_registration r, r2;
	uint8_t id[JR_REGID_BYTES], id2[JR_REGID_BYTES];
	char got[JR_ADDRESS_MAX + 1];
	bool ok;

	s->checks++;
	if (!open_record(s, num(s, h), &r, id))
		return false;
	if (strcmp(field, "corrects") == 0) {
		ok = open_record(s, num(s, want), &r2, id2);
		jr_registration_wipe(&r2);
		if (ok && (!r.has_corrects || memcmp(r.corrects, id2, JR_REGID_BYTES) != 0))
			ok = fail(s, "record {1} does not correct record {2}", h, want, NULL);
	} else {
		ok = record_field(s, &r, field, got, sizeof got);
		if (ok && strcmp(got, want) != 0)
			ok = fail(s, "record {1}: {2} differs from the expected value", h, field, NULL);
	}
	jr_registration_wipe(&r);
	return ok;
}

/* ---- fixtures ---- */

static bool regid_at(struct session *s, const char *h, uint8_t regid[JR_REGID_BYTES])
{
	struct jr_registration r;
	bool ok = open_record(s, num(s, h), &r, regid);

	jr_registration_wipe(&r);
	return ok;
}

/* status HEIGHT STATE [approvals=N agencies=M decree=TEXT from=YYYYMMDD
 * to=YYYYMMDD paid=YYYYMM reasons=211,213] — what a downstream bundle
 * would bring, through the function the sync import calls. */
static bool set_status(struct session *s, char tok[MAX_TOKENS][TOKEN_MAX], int n)
{
	static const char *const states[] = { "unknown", "received", "returned", "review",
		"approved", "decreed", "protected", "rejected" };
	struct kstatus st;

	memset(&st, 0, sizeof st);
	if (!regid_at(s, tok[1], st.regid))
		return false;
	st.state = -1;
	for (int i = 0; i < 8; i++)
		if (strcmp(tok[2], states[i]) == 0)
			st.state = i;
	if (st.state < 0)
		return fail(s, "unknown status {1}", tok[2], NULL, NULL);
	for (int i = 3; i < n; i++) {
		char *eq = strchr(tok[i], '=');
		if (eq == NULL)
			return fail(s, "expected key=value, got {1}", tok[i], NULL, NULL);
		*eq++ = '\0';
		if (strcmp(tok[i], "approvals") == 0) st.approvals = num(s, eq);
		else if (strcmp(tok[i], "agencies") == 0) st.agencies = num(s, eq);
		else if (strcmp(tok[i], "decree") == 0) kstrlcpy(st.decree, eq, sizeof st.decree);
		else if (strcmp(tok[i], "from") == 0) st.protected_from = num(s, eq);
		else if (strcmp(tok[i], "to") == 0) st.protected_to = num(s, eq);
		else if (strcmp(tok[i], "paid") == 0) st.paid_through = num(s, eq);
		else if (strcmp(tok[i], "reasons") == 0) {
			for (char *p = eq; *p != '\0' && st.n_reasons < JR_VERDICT_MAX;) {
				char *end;
				long v = strtol(p, &end, 10);
				if (end == p)
					break;
				st.reasons[st.n_reasons++] = (enum jr_reason)v;
				p = *end == ',' ? end + 1 : end;
			}
		} else
			return fail(s, "unknown status key {1}", tok[i], NULL, NULL);
	}
	if (s->failed)
		return false;
	s->checks++;
	if (!kstore_status_put(s->app.be.store, &st))
		return fail(s, "kstore_status_put failed", NULL, NULL, NULL);
	return true;
}

static bool write_qr_png(struct session *s, const char *text, const char *rel)
{
	struct jr_image img = { 0 };
	struct jr_errbuf eb = { 0 };
	char path[KCONF_PATH_MAX];
	int version, err;

	if (!out_path(s, rel, path, sizeof path))
		return fail(s, "path too long", NULL, NULL, NULL);
	err = jr_qr_render(text, JR_QR_MAX_VERSION, 6, 4, &img, &version, &eb);
	if (err == JR_OK)
		err = jr_png_write(&img, path, &eb);
	jr_image_free(&img);
	return err == JR_OK ? true : fail(s, "cannot write {1}: {2}", path, eb.msg, NULL);
}

/* forge-receipt OUT.png: the last receipt with one letter of the masked
 * name changed, signature kept — what a forger would print. */
static bool forge_receipt(struct session *s, const char *rel)
{
	struct jr_buf p = { 0 };
	struct jr_receipt rc;
	const uint8_t *sig;
	char text[JR_RECEIPT_TEXT_MAX + 1];
	uint8_t *at;
	bool ok = false;

	if (jr_shard_last_receipt(s->app.be.shard, &p) != JR_OK ||
	    jr_receipt_decode(p.base, p.len, &rc, &sig, NULL) != JR_OK) {
		jr_buf_free(&p);
		return fail(s, "no receipt to forge", NULL, NULL, NULL);
	}
	at = kmemmem(p.base, p.len, rc.masked_name, strlen(rc.masked_name));
	if (at != NULL) {
		at[0] = at[0] == 'X' ? 'Y' : 'X';
		ok = jr_receipt_to_text(p.base, p.len, text, sizeof text) == JR_OK;
	}
	jr_buf_free(&p);
	if (!ok)
		return fail(s, "cannot forge the receipt", NULL, NULL, NULL);
	return write_qr_png(s, text, rel);
}

/* Writes a receipts row beside the kiosk's own, through a second SQLite
 * connection (WAL lets it in while the kiosk holds the shard open). */
static bool insert_receipt_row(struct session *s, const uint8_t regid[JR_REGID_BYTES],
	uint64_t height, const struct jr_buf *p)
{
	char path[KCONF_PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok;

	if (snprintf(path, sizeof path, "%s/shard.db", s->app.cfg.data_dir) >= (int)sizeof path)
		return fail(s, "path too long", NULL, NULL, NULL);
	ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
		sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
		sqlite3_prepare_v2(db, "INSERT INTO receipts(regid, height, prefix45, payload) "
			"VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) == SQLITE_OK &&
		sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC) == SQLITE_OK &&
		sqlite3_bind_int64(st, 2, (sqlite3_int64)height) == SQLITE_OK &&
		sqlite3_bind_int64(st, 3, (sqlite3_int64)jr_regid_prefix45(regid)) == SQLITE_OK &&
		sqlite3_bind_blob(st, 4, p->base, (int)p->len, SQLITE_STATIC) == SQLITE_OK &&
		sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok) {
		char msg[256];
		kstrlcpy(msg, db != NULL ? sqlite3_errmsg(db) : "cannot open", sizeof msg);
		sqlite3_close(db);
		return fail(s, "cannot write the twin receipt into {1}: {2}", path, msg, NULL);
	}
	return sqlite3_close(db) == SQLITE_OK ? true :
		fail(s, "cannot close {1}", path, NULL, NULL);
}

/* twin-code: another person's registration whose id shares its first 45
 * bits with the last receipt's, so both have the same typed code — what
 * the birthday bound makes likely on a busy kiosk (receipt.h). No record
 * can be made to have such an id (the id is a hash of the record), so the
 * fixture writes the receipt row straight into the shard, signed by this
 * kiosk's key, with a status of its own that must never be shown. */
static bool twin_code(struct session *s)
{
	struct jr_buf p = { 0 };
	struct jr_receipt rc;
	struct kstatus st;
	const uint8_t *sig;
	bool ok;

	if (jr_shard_last_receipt(s->app.be.shard, &p) != JR_OK ||
	    jr_receipt_decode(p.base, p.len, &rc, &sig, NULL) != JR_OK) {
		jr_buf_free(&p);
		return fail(s, "no receipt to twin", NULL, NULL, NULL);
	}
	jr_buf_free(&p);
	rc.regid[JR_REGID_BYTES - 1] ^= 0xff; /* bits 0..44 stay */
	kstrlcpy(rc.masked_name, "B. W.", sizeof rc.masked_name);
	if (jr_receipt_sign(&rc, s->app.be.kiosk, &p) != JR_OK)
		return fail(s, "cannot sign the twin receipt", NULL, NULL, NULL);
	ok = insert_receipt_row(s, rc.regid, rc.height, &p);
	jr_buf_free(&p);
	memset(&st, 0, sizeof st);
	memcpy(st.regid, rc.regid, JR_REGID_BYTES);
	st.state = KST_DECREED;
	kstrlcpy(st.decree, "TWIN/999/2026", sizeof st.decree);
	if (ok && !kstore_status_put(s->app.be.store, &st))
		return fail(s, "kstore_status_put failed", NULL, NULL, NULL);
	s->checks++;
	return ok;
}

/* foreign-receipt OUT.png: a genuine receipt from a kiosk this one does
 * not know. */
static bool foreign_receipt(struct session *s, const char *rel)
{
	struct jr_key *k = NULL;
	struct jr_receipt rc;
	struct jr_buf p = { 0 };
	char text[JR_RECEIPT_TEXT_MAX + 1];
	bool ok;

	memset(&rc, 0, sizeof rc);
	ok = jr_key_generate(JR_ROLE_KIOSK, &k) == JR_OK;
	if (ok) {
		memcpy(rc.kiosk_id, jr_key_id(k), JR_ID_BYTES);
		rc.height = 7;
		randombytes_buf(rc.regid, sizeof rc.regid);
		rc.time = s->clock_start;
		kstrlcpy(rc.masked_name, "B. S.", sizeof rc.masked_name);
		rc.policy_version = 1;
		ok = jr_receipt_sign(&rc, k, &p) == JR_OK &&
			jr_receipt_to_text(p.base, p.len, text, sizeof text) == JR_OK;
	}
	jr_buf_free(&p);
	jr_key_free(k);
	if (!ok)
		return fail(s, "cannot make a foreign receipt", NULL, NULL, NULL);
	return write_qr_png(s, text, rel);
}

static bool officer_key(struct session *s, const char *pin, const char *role)
{
	struct jr_key *k = NULL;
	struct jr_errbuf eb = { 0 };
	enum jr_role r = strcmp(role, "kiosk") == 0 ? JR_ROLE_KIOSK : JR_ROLE_OFFICER;
	char dir[KCONF_PATH_MAX], *slash;
	int err;

	kstrlcpy(dir, s->cfg.officer_key, sizeof dir);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		(void)kmkdirs(dir);
	}
	(void)remove(s->cfg.officer_key); /* usually not there; a new one is saved next */
	err = jr_key_generate(r, &k);
	if (err == JR_OK)
		err = jr_key_save_pin(k, s->cfg.officer_key, pin, strlen(pin), &eb);
	if (err == JR_OK && r == JR_ROLE_OFFICER) {
		jr_key_public(k, &s->officer);
		s->has_officer = true;
	}
	jr_key_free(k);
	return err == JR_OK ? true : fail(s, "cannot make the officer key: {1}", eb.msg, NULL, NULL);
}

/* The consortium's village binding on the officer's drive (KBINDING_FILE):
 * for village CODE, signed by the session's consortium, or with "foreign" by
 * another consortium's key (a stranger's drive). */
static bool village_file(struct session *s, const char *code, const char *who)
{
	char drive[KCONF_PATH_MAX], path[KCONF_PATH_MAX + 32], dir[KCONF_PATH_MAX + 32], *slash;
	struct jr_key *other = NULL;
	struct jr_buf b = { NULL, 0 };
	struct jr_errbuf eb = { 0 };
	uint64_t village;
	int err;

	if (jr_region_parse(code, strlen(code), &village) != JR_OK)
		return fail(s, "village-file: {1} is not a region code", code, NULL, NULL);
	if (strcmp(who, "foreign") == 0 && jr_key_generate(JR_ROLE_CONSORTIUM, &other) != JR_OK)
		return fail(s, "village-file: cannot make a foreign consortium key", NULL, NULL, NULL);
	kbackend_drive_path(&s->cfg, drive, sizeof drive);
	if (!kpath(path, sizeof path, drive, KBINDING_FILE))
		return fail(s, "village-file: path too long", NULL, NULL, NULL);
	kstrlcpy(dir, path, sizeof dir);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		(void)kmkdirs(dir);
	}
	err = jr_binding_sign(other != NULL ? other : s->consortium, village,
		(uint64_t)kclock_unix(&s->app.clock), &b);
	if (err == JR_OK)
		err = jr_file_write_atomic(path, b.base, b.len, 0644, &eb);
	jr_buf_free(&b);
	jr_key_free(other);
	return err == JR_OK ? true :
		fail(s, "village-file: cannot write {1}: {2}", path, eb.msg[0] ? eb.msg :
			jr_strerror(err), NULL);
}

/* The consortium's signed roster, serial one above the last: the officer of
 * officer-key (sync, regency 33.28; revoked or left out as the last
 * `roster` said) and, once it started, this kiosk (upload, its village). */
static bool sign_roster(struct session *s, struct jr_buf *out)
{
	struct jr_roster_member m[2];
	struct jr_errbuf eb = { 0 };
	size_t n = 0;

	memset(m, 0, sizeof m);
	if (s->has_officer && !s->officer_absent) {
		memcpy(m[n].id, s->officer.id, JR_ID_BYTES);
		memcpy(m[n].sign_pk, s->officer.sign_pk, JR_SIGN_PK_BYTES);
		m[n].role = JR_ROLE_OFFICER;
		m[n].agency = JR_AGENCY_DPMD;
		m[n].region = 3328;
		m[n].perms = JR_PERM_SYNC;
		m[n].revoked_from = s->officer_revoked ? s->roster_serial + 1 : 0;
		n++;
	}
	if (s->started) {
		memcpy(m[n].id, s->app.be.kiosk_pub.id, JR_ID_BYTES);
		memcpy(m[n].sign_pk, s->app.be.kiosk_pub.sign_pk, JR_SIGN_PK_BYTES);
		m[n].role = JR_ROLE_KIOSK;
		m[n].agency = JR_AGENCY_DISKOMINFO;
		m[n].region = s->app.be.village;
		m[n].perms = JR_PERM_UPLOAD;
		n++;
	}
	if (jr_roster_sign(s->consortium, ++s->roster_serial, NULL, m, n, out, &eb) != JR_OK)
		return fail(s, "cannot sign the roster: {1}", eb.msg, NULL, NULL);
	return true;
}

/* roster [revoked|absent]: roster.jrr, the file provisioning gives. */
static bool roster_cmd(struct session *s, const char *how)
{
	struct jr_buf b = { 0 };
	struct jr_errbuf eb = { 0 };
	bool ok;

	s->officer_revoked = strcmp(how, "revoked") == 0;
	s->officer_absent = strcmp(how, "absent") == 0;
	if (!s->officer_revoked && !s->officer_absent && how[0] != '\0')
		return fail(s, "roster wants nothing, revoked or absent", NULL, NULL, NULL);
	if (!sign_roster(s, &b))
		return false;
	ok = jr_file_write_atomic(s->cfg.roster, b.base, b.len, 0644, &eb) == JR_OK;
	jr_buf_free(&b);
	return ok ? true : fail(s, "cannot write the roster: {1}", eb.msg, NULL, NULL);
}

/* `centre-import [max-age N]`: the officer takes the drive to the centre:
 * the stand-in centre's import (jr_sync_import_run, as jaring-sync import
 * runs it) on the session's drive, with a roster naming this kiosk, answers
 * dated an hour later. With max-age, the centre's policy is version 2 with
 * that age limit (its genesis policy: the script's first import decides
 * it), which its answer carries to the kiosk. */
static bool centre_import(struct session *s, long max_age)
{
	static const uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES] = { 0x5a };
	struct jr_centre *c = NULL;
	struct jr_sync_import x;
	struct jr_sync_import_counts n;
	struct jr_errbuf eb = { 0 };
	struct jr_policy pol;
	struct jr_buf roster = { 0 };
	char dir[KCONF_PATH_MAX], path[KCONF_PATH_MAX + 16];
	int err;

	if (!out_path(s, "centre", dir, sizeof dir) || !kmkdirs(dir) ||
	    !kpath(path, sizeof path, dir, "state.db") || !sign_roster(s, &roster))
		return fail(s, "cannot prepare the centre", NULL, NULL, NULL);
	jr_policy_default(&pol);
	if (max_age > 0) {
		pol.version = 2;
		pol.max_age = (uint8_t)max_age;
	}
	err = jr_centre_open(path, s->consortium, pkey, &pol, &c, &eb);
	if (err == JR_OK) {
		memset(&x, 0, sizeof x);
		x.drive = s->cfg.sync_drive;
		x.centre = c;
		x.consortium = s->consortium;
		x.roster = roster.base;
		x.roster_len = roster.len;
		x.time = kclock_unix(&s->app.clock) + 3600;
		err = jr_sync_import_run(&x, &n, &eb);
		if (err == JR_OK && n.bundles_refused > 0)
			err = jr_errf(&eb, JR_EKEY, "%s", n.refused);
	}
	jr_centre_close(c);
	jr_buf_free(&roster);
	s->checks++;
	return err == JR_OK ? true : fail(s, "the centre's import failed: {1}", eb.msg, NULL, NULL);
}

/* Pumps the event loop until the sync worker is done (at most 60 s). */
static bool wait_sync(struct session *s)
{
	for (int i = 0; i < 12000 && kscreen_sync_running(); i++) {
		app_pump(&s->app);
		SDL_Delay(5);
	}
	app_pump(&s->app);
	if (kscreen_sync_running())
		return fail(s, "the sync did not finish within 60 seconds", NULL, NULL, NULL);
	return after_action(s);
}

/*
 * Someone with write access to the configuration replaces the consortium key
 * file: `new` puts another consortium's key there; `swapped-x25519` keeps the
 * test consortium's Ed25519 key (and so its id) with an attacker's X25519 key
 * beside it and a recomputed checksum (layout in docs/keys.md: the X25519 key
 * at bytes 43..74, the check over bytes 0..92 at 96); `original` puts the
 * genuine file back. The kiosk sees it at its next start (`restart`).
 */
static bool consortium_file(struct session *s, const char *how)
{
	struct jr_key *other = NULL;
	struct jr_pubkey pub, opub;
	struct jr_buf b = { 0 };
	struct jr_errbuf eb = { 0 };
	int err;

	jr_key_public(s->consortium, &pub);
	if (strcmp(how, "original") == 0)
		err = jr_pubkey_save(&pub, s->cfg.consortium_pubkey, &eb);
	else if (strcmp(how, "new") != 0 && strcmp(how, "swapped-x25519") != 0)
		return fail(s, "consortium-file wants new, swapped-x25519 or original", NULL, NULL, NULL);
	else if ((err = jr_key_generate(JR_ROLE_CONSORTIUM, &other)) == JR_OK) {
		jr_key_public(other, &opub);
		if (how[0] == 'n') {
			err = jr_pubkey_save(&opub, s->cfg.consortium_pubkey, &eb);
		} else if ((err = jr_pubkey_encode(&pub, &b)) == JR_OK && b.len == 128) {
			memcpy(b.base + 43, opub.box_pk, JR_BOX_PK_BYTES);
			jr_hash(b.base, 93, b.base + 96);
			err = jr_file_write_atomic(s->cfg.consortium_pubkey, b.base, b.len, 0644, &eb);
		}
	}
	jr_buf_free(&b);
	jr_key_free(other);
	return err == JR_OK ? true : fail(s, "cannot write the consortium key file: {1}", eb.msg, NULL, NULL);
}

/* The kiosk is switched off and on again: the same data, configuration and
 * virtual clock (where it had got to). */
static bool restart(struct session *s)
{
	int64_t now = kclock_unix(&s->app.clock);

	app_free(&s->app);
	s->started = false;
	s->clock_start = now;
	return start(s);
}

/* Copies the regular files of folder `from` into `to` (made if missing),
 * after removing the regular files of `to`: a whole-card image taken, or
 * put back. */
static bool copy_files(struct session *s, const char *from, const char *to)
{
	char src[KCONF_PATH_MAX + 272], dst[KCONF_PATH_MAX + 272];
	struct dirent *de;
	DIR *d;
	bool ok = true;

	if (mkdir(to, 0700) != 0 && errno != EEXIST)
		return fail(s, "cannot create {1}", to, NULL, NULL);
	if ((d = opendir(to)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.' &&
			    (size_t)snprintf(dst, sizeof dst, "%s/%s", to, de->d_name) < sizeof dst)
				(void)unlink(dst);
		closedir(d);
	}
	if ((d = opendir(from)) == NULL)
		return fail(s, "cannot read {1}", from, NULL, NULL);
	while (ok && (de = readdir(d)) != NULL) {
		struct jr_buf b = { NULL, 0 };
		struct stat st;

		if ((size_t)snprintf(src, sizeof src, "%s/%s", from, de->d_name) >= sizeof src ||
		    (size_t)snprintf(dst, sizeof dst, "%s/%s", to, de->d_name) >= sizeof dst)
			ok = fail(s, "path too long", NULL, NULL, NULL);
		else if (stat(src, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		else if (jr_file_read(src, (size_t)1 << 30, &b, NULL) != JR_OK ||
		    jr_file_write_atomic(dst, b.base, b.len, 0600, NULL) != JR_OK)
			ok = fail(s, "cannot copy {1}", src, NULL, NULL);
		jr_buf_free(&b);
	}
	closedir(d);
	return ok;
}

/* card-image save|restore NAME: the kiosk stopped, its whole data folder
 * (shard, counter, store, key) copied to or from NAME in the output
 * folder, the kiosk started again: a card imaged, or restored from an old
 * image, counter and all. */
static bool card_image(struct session *s, const char *how, const char *name)
{
	char img[KCONF_PATH_MAX];
	int64_t now = kclock_unix(&s->app.clock);
	bool save = strcmp(how, "save") == 0;

	if ((!save && strcmp(how, "restore") != 0) || !out_path(s, name, img, sizeof img))
		return fail(s, "card-image save|restore NAME", NULL, NULL, NULL);
	app_free(&s->app);
	s->started = false;
	s->clock_start = now;
	if (!(save ? copy_files(s, s->cfg.data_dir, img) : copy_files(s, img, s->cfg.data_dir)))
		return false;
	return start(s);
}

/* A printed receipt PNG in receipts/ (the kiosk wrote it) for the camera. */
static bool camera_receipt(struct session *s)
{
	char path[KCONF_PATH_MAX + 16];

	if (s->app.rv.png_path[0] == '\0')
		return fail(s, "no receipt picture was saved", NULL, NULL, NULL);
	kstrlcpy(path, "file:", sizeof path);
	kstrlcat(path, s->app.rv.png_path, sizeof path);
	return kstrlcpy(s->app.cfg.camera, path, sizeof s->app.cfg.camera);
}

static bool parse_clock(struct session *s, const char *date, const char *hm)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (!int_field(&date, '-', 1970, 9999, &tm.tm_year) ||
	    !int_field(&date, '-', 1, 12, &tm.tm_mon) ||
	    !int_field(&date, '\0', 1, 31, &tm.tm_mday) ||
	    !int_field(&hm, ':', 0, 23, &tm.tm_hour) ||
	    !int_field(&hm, '\0', 0, 59, &tm.tm_min))
		return fail(s, "clock wants YYYY-MM-DD HH:MM", NULL, NULL, NULL);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	s->clock_start = (int64_t)timegm(&tm) - 7 * 3600; /* the time is WIB */
	return true;
}

/* consortium-key FILE: the session's consortium is the one in FILE (a
 * second session of one programme, scripts/field-cycle.py); before the kiosk starts. */
static bool consortium_key(struct session *s, const char *rel)
{
	char p[KCONF_PATH_MAX];
	struct jr_key *k = NULL;
	struct jr_pubkey pub;
	struct jr_errbuf eb = { 0 };

	if (s->started)
		return fail(s, "consortium-key after the kiosk started", NULL, NULL, NULL);
	if (!out_path(s, rel, p, sizeof p) || jr_key_load(p, &k, &eb) != JR_OK ||
	    jr_key_role(k) != JR_ROLE_CONSORTIUM) {
		jr_key_free(k);
		return fail(s, "cannot load the consortium key {1}: {2}", p, eb.msg, NULL);
	}
	jr_key_free(s->consortium);
	s->consortium = k;
	jr_key_public(k, &pub);
	(void)remove(s->cfg.consortium_pubkey);
	return jr_pubkey_save(&pub, s->cfg.consortium_pubkey, &eb) == JR_OK ? true :
		fail(s, "cannot save {1}: {2}", s->cfg.consortium_pubkey, eb.msg, NULL);
}

/* save-consortium-key FILE: the centre keeps the consortium key (for the
 * demo's jaring-sync import). */
static bool save_consortium_key(struct session *s, const char *rel)
{
	char p[KCONF_PATH_MAX];
	struct jr_errbuf eb = { 0 };

	if (!out_path(s, rel, p, sizeof p))
		return fail(s, "path too long", NULL, NULL, NULL);
	(void)remove(p);
	return jr_key_save(s->consortium, p, &eb) == JR_OK ? true :
		fail(s, "cannot save {1}: {2}", p, eb.msg, NULL);
}

/* ---- commands ---- */

static bool before_start(struct session *s, char tok[MAX_TOKENS][TOKEN_MAX], int n,
	bool *handled)
{
	char err[256], p[KCONF_PATH_MAX];

	*handled = true;
	if (strcmp(tok[0], "config") == 0 && n == 3) {
		if (s->started)
			return fail(s, "config after the kiosk started", NULL, NULL, NULL);
		if ((strcmp(tok[1], "printer") == 0 || strcmp(tok[1], "receipts_dir") == 0 ||
		     strcmp(tok[1], "officer_key") == 0 || strcmp(tok[1], "consortium_pubkey") == 0 ||
		     strcmp(tok[1], "roster") == 0 || strcmp(tok[1], "sync_drive") == 0 ||
		     strcmp(tok[1], "data_dir") == 0) &&
		    tok[2][0] != '\0' && out_path(s, tok[2], p, sizeof p))
			kstrlcpy(tok[2], p, TOKEN_MAX);
		return kconfig_set(&s->cfg, tok[1], tok[2], err, sizeof err) ? true :
			fail(s, "{1}", err, NULL, NULL);
	}
	if (strcmp(tok[0], "clock") == 0 && n == 3) {
		if (s->started)
			return fail(s, "clock after the kiosk started", NULL, NULL, NULL);
		return parse_clock(s, tok[1], tok[2]);
	}
	if (strcmp(tok[0], "start") == 0)
		return start(s);
	if (strcmp(tok[0], "screenshots") == 0 && n == 2) {
		if (strcmp(tok[1], "on") != 0 && strcmp(tok[1], "off") != 0)
			return fail(s, "screenshots wants on or off, not {1}", tok[1], NULL, NULL);
		s->no_autoshots = strcmp(tok[1], "off") == 0;
		s->last_screen = -1;
		return true;
	}
	if (strcmp(tok[0], "consortium-key") == 0 && n == 2)
		return consortium_key(s, tok[1]);
	if (strcmp(tok[0], "save-consortium-key") == 0 && n == 2)
		return save_consortium_key(s, tok[1]);
	/* Before the kiosk starts, as provisioning would: no screen needed. */
	if (strcmp(tok[0], "officer-key") == 0 && (n == 2 || n == 3) && !s->started)
		return officer_key(s, tok[1], n == 3 ? tok[2] : "officer");
	if (strcmp(tok[0], "roster") == 0 && (n == 1 || n == 2) && !s->started)
		return roster_cmd(s, n == 2 ? tok[1] : "");
	if (strcmp(tok[0], "village-file") == 0 && (n == 2 || n == 3) && !s->started)
		return village_file(s, tok[1], n == 3 ? tok[2] : "");
	*handled = false;
	return true;
}

static bool file_cmd(struct session *s, char tok[MAX_TOKENS][TOKEN_MAX], int n,
	bool *handled)
{
	char p[KCONF_PATH_MAX];
	struct stat st;

	*handled = true;
	if (n == 2 && (strcmp(tok[0], "touch-file") == 0 || strcmp(tok[0], "remove-file") == 0 ||
	    strcmp(tok[0], "expect-file") == 0 || strcmp(tok[0], "expect-no-file") == 0)) {
		if (!out_path(s, tok[1], p, sizeof p))
			return fail(s, "path too long", NULL, NULL, NULL);
		if (tok[0][0] == 't') {
			FILE *f = fopen(p, "ab");
			return f != NULL && fclose(f) == 0 ? true : fail(s, "cannot create {1}", p, NULL, NULL);
		}
		if (tok[0][0] == 'r') {
			(void)remove(p); /* expect-no-file checks the outcome */
			return true;
		}
		s->checks++;
		if ((stat(p, &st) == 0) != (strcmp(tok[0], "expect-file") == 0))
			return fail(s, "{1}: {2}", tok[0], tok[1], NULL);
		return true;
	}
	*handled = false;
	return true;
}

/* True when form_wipe's work shows: every field zero, text buffers zero to
 * the last byte (nothing of the last person left behind the end of a
 * string). Member by member: the padding between them holds no data and
 * has no defined value to compare. A new field of struct kform goes here. */
static bool form_is_empty(const struct kform *f)
{
	return !f->consent && f->filled == 0 &&
		sodium_is_zero((const unsigned char *)f->nik, sizeof f->nik) &&
		sodium_is_zero((const unsigned char *)f->name, sizeof f->name) &&
		f->sex == 0 &&
		sodium_is_zero((const unsigned char *)f->dob, sizeof f->dob) &&
		f->district == 0 && f->village == 0 &&
		sodium_is_zero((const unsigned char *)f->address, sizeof f->address) &&
		f->occupation == 0 && f->income == 0 &&
		sodium_is_zero((const unsigned char *)f->phone, sizeof f->phone) &&
		!f->no_phone && !f->editing && !f->correcting &&
		sodium_is_zero(f->corrects, sizeof f->corrects) &&
		f->fix_fields == 0 && f->ask_fields == 0;
}

static bool command(struct session *s, char tok[MAX_TOKENS][TOKEN_MAX], int n)
{
	const char *c = tok[0];
	bool handled;

	if (!before_start(s, tok, n, &handled) || handled)
		return !s->failed;
	if (!file_cmd(s, tok, n, &handled) || handled)
		return !s->failed;
	if (!start(s))
		return false;
	if (strcmp(c, "tap") == 0 && n == 2) return tap(s, tok[1], false);
	if (strcmp(c, "touch") == 0 && n == 2) return tap(s, tok[1], true);
	if (strcmp(c, "type") == 0 && n == 2) return type_text(s, tok[1]);
	if (strcmp(c, "keys") == 0 && n == 2) return keys(s, tok[1]);
	if (strcmp(c, "keys-last-code") == 0 && n == 1) return keys_last_code(s, 0);
	if (strcmp(c, "keys-last-code-misread") == 0 && n == 1) return keys_last_code(s, 1);
	if (strcmp(c, "key") == 0 && n == 2) return key(s, tok[1]);
	if (strcmp(c, "wait") == 0 && n == 2) return wait_ms(s, (long)num(s, tok[1])) && !s->failed;
	if (strcmp(c, "expect") == 0 && n == 2) return expect_text(s, tok[1], true);
	if (strcmp(c, "expect-not") == 0 && n == 2) return expect_text(s, tok[1], false);
	if (strcmp(c, "expect-screen") == 0 && n == 2) {
		s->checks++;
		return strcmp(s->app.ops->name, tok[1]) == 0 ? true :
			fail(s, "screen is {1}, expected {2}", s->app.ops->name, tok[1], NULL);
	}
	if (strcmp(c, "expect-height") == 0 && n == 2)
		return expect_number(s, "shard height", kbackend_height(&s->app.be), tok[1]);
	if (strcmp(c, "expect-records") == 0 && n == 2)
		return expect_number(s, "records in the shard", kbackend_record_count(&s->app.be), tok[1]);
	if (strcmp(c, "expect-printed") == 0 && n == 2) return expect_printed(s, tok[1]);
	if (strcmp(c, "expect-receipt-files") == 0 && n == 2)
		return expect_receipt_files(s, tok[1]);
	if (strcmp(c, "expect-record") == 0 && n == 4) return expect_record(s, tok[1], tok[2], tok[3]);
	if (strcmp(c, "expect-form-empty") == 0 && n == 1) {
		s->checks++;
		return form_is_empty(&s->app.form) ? true :
			fail(s, "the form still holds data", NULL, NULL, NULL);
	}
	if (strcmp(c, "expect-not-in-log") == 0 && n == 2) return expect_not_in_log(s, tok[1]);
	if (strcmp(c, "screenshot") == 0 && n == 2) return screenshot(s, tok[1]);
	if (strcmp(c, "bench-rss") == 0 && n == 2) return bench_rss(s, tok[1]);
	if (strcmp(c, "status") == 0 && n >= 3) return set_status(s, tok, n);
	if (strcmp(c, "as-of") == 0 && n == 2)
		return kstore_set_as_of(s->app.be.store, num(s, tok[1])) && !s->failed ? true :
			fail(s, "cannot set as-of", NULL, NULL, NULL);
	if (strcmp(c, "forge-receipt") == 0 && n == 2) return forge_receipt(s, tok[1]);
	if (strcmp(c, "foreign-receipt") == 0 && n == 2) return foreign_receipt(s, tok[1]);
	if (strcmp(c, "twin-code") == 0 && n == 1) return twin_code(s);
	if (strcmp(c, "camera-receipt") == 0 && n == 1) return camera_receipt(s);
	if (strcmp(c, "camera-file") == 0 && n == 2) {
		char p[KCONF_PATH_MAX];
		if (!out_path(s, tok[1], p, sizeof p))
			return fail(s, "path too long", NULL, NULL, NULL);
		kstrlcpy(s->app.cfg.camera, "file:", sizeof s->app.cfg.camera);
		return kstrlcat(s->app.cfg.camera, p, sizeof s->app.cfg.camera);
	}
	if (strcmp(c, "consortium-file") == 0 && n == 2) return consortium_file(s, tok[1]);
	if (strcmp(c, "restart") == 0 && n == 1) return restart(s);
	if (strcmp(c, "card-image") == 0 && n == 3) return card_image(s, tok[1], tok[2]);
	if (strcmp(c, "expect-consortium-fingerprint") == 0 && n == 1) {
		char fp[JR_KEYID_FINGERPRINT_LEN + 1];
		jr_keyid_fingerprint(jr_key_id(s->consortium), fp);
		return expect_text(s, fp, true);
	}
	if (strcmp(c, "officer-key") == 0 && (n == 2 || n == 3))
		return officer_key(s, tok[1], n == 3 ? tok[2] : "officer");
	if (strcmp(c, "roster") == 0 && (n == 1 || n == 2))
		return roster_cmd(s, n == 2 ? tok[1] : "");
	if (strcmp(c, "village-file") == 0 && (n == 2 || n == 3))
		return village_file(s, tok[1], n == 3 ? tok[2] : "");
	if (strcmp(c, "centre-import") == 0 && n == 1) return centre_import(s, 0);
	if (strcmp(c, "centre-import") == 0 && n == 3 && strcmp(tok[1], "max-age") == 0) {
		long age = (long)num(s, tok[2]);
		if (age < 18 || age > 100)
			return fail(s, "centre-import max-age takes 18..100, not {1}", tok[2], NULL, NULL);
		return centre_import(s, age);
	}
	if (strcmp(c, "wait-sync") == 0 && n == 1) return wait_sync(s);
	return fail(s, "unknown command or wrong arguments: {1}", c, NULL, NULL);
}

static bool command(struct session *s, char tok[MAX_TOKENS][TOKEN_MAX], int n);

/* Runs the commands of one file; `include FILE` nests (depth 4), with
 * FILE relative to the including script. */
static bool run_file(struct session *s, const char *path, int depth)
{
	char line[2048], inc[KCONF_PATH_MAX];
	char tok[MAX_TOKENS][TOKEN_MAX];
	const char *saved_script = s->script;
	unsigned saved_line = s->line;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return fail(s, "cannot open {1}", path, NULL, NULL);
	s->script = path;
	s->line = 0;
	while (!s->failed && fgets(line, sizeof line, f) != NULL) {
		int n;
		s->line++;
		n = tokenize(line, tok);
		if (n == 2 && strcmp(tok[0], "include") == 0) {
			const char *slash = strrchr(path, '/');
			int dl = slash ? (int)(slash - path) : 1;
			if (depth >= 4)
				fail(s, "includes nested too deep", NULL, NULL, NULL);
			else if (snprintf(inc, sizeof inc, "%.*s/%s", dl, slash ? path : ".", tok[1]) >=
			    (int)sizeof inc)
				fail(s, "include path too long", NULL, NULL, NULL);
			else
				run_file(s, inc, depth + 1);
		} else if (n > 0) {
			command(s, tok, n);
		}
	}
	(void)fclose(f); /* read only: nothing to lose */
	if (!s->failed) {
		s->script = saved_script;
		s->line = saved_line;
	}
	return !s->failed;
}

int kscript_run(const char *path, const char *out_dir)
{
	return kscript_run_stats(path, out_dir, NULL);
}

static void copy_stats(struct session *s)
{
	struct kscript_stats *st = s->stats;
	struct kapp *a = &s->app;

	if (st == NULL || !s->started)
		return;
	st->n_submit = a->n_submit < 1024 ? a->n_submit : 1024;
	memcpy(st->submit_ms, a->submit_ms, st->n_submit * sizeof st->submit_ms[0]);
	st->max_frame_ms = a->max_frame_ms;
	st->max_frame_cpu_ms = a->max_frame_cpu_ms;
	st->screenshots = (unsigned)s->shots;
	st->frames = (unsigned long)a->frames;
	for (int i = 0, seen = 0; i < KAPP_HIST; i++) {
		uint64_t before = (uint64_t)seen;
		seen += (int)a->frame_hist[i];
		if (before < a->frames / 2 && (uint64_t)seen >= a->frames / 2)
			st->frame_p50_ms = (i + 1) / 10.0;
		if (before < a->frames * 99 / 100 && (uint64_t)seen >= a->frames * 99 / 100)
			st->frame_p99_ms = (i + 1) / 10.0;
	}
}

int kscript_run_stats(const char *path, const char *out_dir,
	struct kscript_stats *stats)
{
	static struct session session;
	struct session *s = &session;
	int rc = 0;

	memset(s, 0, sizeof *s);
	s->stats = stats;
	s->script = path;
	if (!kstrlcpy(s->out, out_dir, sizeof s->out) || !fresh_dir(out_dir)) {
		fprintf(stderr, "cannot prepare %s\n", out_dir);
		return 1;
	}
	if (jr_init() != JR_OK || !session_defaults(s)) {
		fprintf(stderr, "%s\n", s->failure);
		return 1;
	}
	run_file(s, path, 0);
	if (!s->failed && start(s))
		after_action(s);
	if (s->failed) {
		fprintf(stderr, "FAIL %s\n", s->failure);
		rc = 1;
	} else if (stats == NULL) {
		printf("ok %s: %u checks, %d screens saved in %s\n", path, s->checks, s->shots,
			out_dir);
	}
	copy_stats(s);
	if (s->started)
		app_free(&s->app);
	jr_key_free(s->consortium);
	return rc;
}
