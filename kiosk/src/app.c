#include <SDL_image.h>
#include <SDL_ttf.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "log.h"
#include "screens.h"
#include "util.h"
#include "jaring/region.h"

const char *app_tr(struct kapp *a, const char *msgid)
{
	return ki18n_get(a->tr, a->lang, msgid);
}

uint32_t app_today(const struct kapp *a)
{
	return jr_date_from_unix(kclock_unix(&a->clock));
}

static bool open_video(struct kapp *a, char *err, size_t errlen)
{
	Uint32 flags = SDL_WINDOW_SHOWN;
	int w = a->cfg.screen_width, h = a->cfg.screen_height;

	SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
	/* Touches arrive as finger events; the mouse events SDL would make
	 * from them are ignored in app_handle_sdl, so one touch is one tap. */
	SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "1");
	if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0 || TTF_Init() != 0 ||
	    (IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG) == 0) {
		kfmt(err, errlen, "cannot start SDL: {1}", SDL_GetError(), NULL, NULL);
		return false;
	}
	if (a->cfg.fullscreen)
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	a->win = SDL_CreateWindow("Jaring", SDL_WINDOWPOS_CENTERED,
		SDL_WINDOWPOS_CENTERED, w, h, flags);
	if (a->win == NULL) {
		kfmt(err, errlen, "cannot open the window: {1}", SDL_GetError(), NULL, NULL);
		return false;
	}
	if (a->cfg.fullscreen)
		SDL_GetWindowSize(a->win, &w, &h);
	/* The software renderer works on every board and in tests; a frame is
	 * a few milliseconds at 800x480 (tests/bench). */
	a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
	if (a->ren == NULL)
		a->ren = SDL_CreateRenderer(a->win, -1, 0); /* a driver without a window surface */
	if (a->ren == NULL) {
		kfmt(err, errlen, "cannot create the renderer: {1}", SDL_GetError(), NULL, NULL);
		return false;
	}
	/* Every colour is opaque: blended fills are the slow path of the software
	 * renderer and change nothing here. */
	SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_NONE);
	a->cfg.screen_width = w;
	a->cfg.screen_height = h;
	return ui_init(&a->ui, a->ren, w, h, kconfig_px_per_mm(&a->cfg),
		a->cfg.fonts_dir, a->cfg.icons_dir, err, errlen);
}

bool app_init(struct kapp *a, const struct kconfig *cfg, int64_t virtual_start,
	char *err, size_t errlen)
{
	char logpath[KCONF_PATH_MAX + 16];

	memset(a, 0, sizeof *a);
	a->cfg = *cfg;
	a->lang = cfg->language;
	a->pointer_down_id = -1;
	if (virtual_start != 0)
		kclock_virtual(&a->clock, virtual_start);
	else
		kclock_real(&a->clock);
	if (jr_init() != JR_OK) {
		kfmt(err, errlen, "cannot initialise libsodium", NULL, NULL, NULL);
		return false;
	}
	if (kmkdirs(cfg->data_dir) && kpath(logpath, sizeof logpath, cfg->data_dir, "kiosk.log"))
		klog_open(logpath, (size_t)cfg->log_max_kb * 1024);
	if (!ki18n_load(cfg->i18n_dir, &a->tr, err, errlen) || !open_video(a, err, errlen))
		return false;
	if (!kbackend_open(&a->be, cfg, kclock_unix(&a->clock), a->not_ready,
		sizeof a->not_ready)) {
		klog("kiosk cannot start its ledger");
		/* To the journal and the appliance's console (no personal data:
		 * paths and heights). */
		fprintf(stderr, "jaring-kiosk: cannot start: %s\n", a->not_ready);
		app_goto(a, SCR_SETUP);
	} else {
		int64_t fl = kstore_meta_i64(a->be.store, "clock_floor");
		/* The clock never reads before the last block or the last
		 * checkpoint time the centre sent (docs/kiosk.md "Clock"). */
		if (jr_shard_head_time(a->be.shard) > fl)
			fl = jr_shard_head_time(a->be.shard);
		kclock_floor(&a->clock, fl);
		a->ready = a->be.can_register;
		app_goto(a, a->be.provisioned_now ? SCR_SETUP : SCR_WELCOME);
	}
	a->last_input_ms = kclock_ms(&a->clock);
	a->drive_present = a->cfg.officer_key[0] != '\0' && access(a->cfg.officer_key, F_OK) == 0;
	a->drive_checked_ms = a->last_input_ms;
	return true;
}

void app_free(struct kapp *a)
{
	form_wipe(&a->form);
	if (a->rv.qr != NULL)
		SDL_DestroyTexture(a->rv.qr);
	kbackend_close(&a->be);
	ui_free(&a->ui);
	ki18n_free(a->tr);
	if (a->ren != NULL)
		SDL_DestroyRenderer(a->ren);
	if (a->win != NULL)
		SDL_DestroyWindow(a->win);
	IMG_Quit();
	TTF_Quit();
	SDL_Quit();
	klog_close();
	sodium_memzero(a, sizeof *a);
}

static void clear_screen_state(struct kapp *a)
{
	a->page = 0;
	a->scroll = 0;
	sodium_memzero(a->entry, sizeof a->entry);
	memset(&a->verdict, 0, sizeof a->verdict);
	a->msg[0] = '\0';
	a->msg_is_error = false;
	a->choice = 0;
	a->pointer_down_id = -1;
	a->ui.pressed_id = -1;
}

void app_goto(struct kapp *a, enum kscreen s)
{
	struct kev ev = { .type = KEV_ENTER };

	clear_screen_state(a);
	a->screen = s;
	a->ops = kscreens[s];
	a->screen_changes++;
	if (a->ops->enter != NULL)
		a->ops->enter(a);
	if (a->ops->handle != NULL)
		a->ops->handle(a, &ev);
	a->dirty = true;
	a->layout_stale = true;
}

void app_reset(struct kapp *a)
{
	form_wipe(&a->form);
	memset(&a->sv, 0, sizeof a->sv);
	if (a->rv.qr != NULL)
		SDL_DestroyTexture(a->rv.qr);
	sodium_memzero(&a->rv, sizeof a->rv);
	a->pending = NULL;
	a->officer_ok = false;
	a->sync_on_open = false;
	sodium_memzero(a->officer_id, sizeof a->officer_id);
	a->officer_short[0] = '\0';
	app_goto(a, SCR_WELCOME);
}

/* ---- the registration flow ---- */

static const enum kscreen flow[] = {
	SCR_CONSENT, SCR_NIK, SCR_NAME, SCR_SEX, SCR_DOB, SCR_DISTRICT,
	SCR_VILLAGE, SCR_ADDRESS, SCR_OCCUPATION, SCR_INCOME, SCR_PHONE, SCR_REVIEW
};
#define FLOW_N (sizeof flow / sizeof flow[0])

static int field_of_screen(enum kscreen s)
{
	switch (s) {
	case SCR_NIK: return KF_NIK;
	case SCR_NAME: return KF_NAME;
	case SCR_SEX: return KF_SEX;
	case SCR_DOB: return KF_BIRTH;
	case SCR_DISTRICT: case SCR_VILLAGE: return KF_VILLAGE;
	case SCR_ADDRESS: return KF_ADDRESS;
	case SCR_OCCUPATION: return KF_OCCUPATION;
	case SCR_INCOME: return KF_INCOME;
	case SCR_PHONE: return KF_PHONE;
	default: return -1;
	}
}

/* In a correction only the screens of the asked fields are shown. */
static bool in_flow(const struct kapp *a, enum kscreen s)
{
	int f = field_of_screen(s);

	if (!a->form.correcting)
		return true;
	if (s == SCR_CONSENT)
		return false;
	return f < 0 || (a->form.ask_fields & KF_BIT(f));
}

static int flow_index(enum kscreen s)
{
	for (size_t i = 0; i < FLOW_N; i++)
		if (flow[i] == s)
			return (int)i;
	return -1;
}

void app_flow_next(struct kapp *a)
{
	int i = flow_index(a->screen);

	if (a->form.editing && a->screen != SCR_DISTRICT) {
		a->form.editing = false;
		app_goto(a, SCR_REVIEW);
		return;
	}
	for (i = i + 1; i >= 1 && (size_t)i < FLOW_N; i++)
		if (in_flow(a, flow[i])) {
			app_goto(a, flow[i]);
			return;
		}
	app_goto(a, SCR_REVIEW);
}

void app_flow_back(struct kapp *a)
{
	int i = flow_index(a->screen);

	if (a->form.editing && a->screen != SCR_VILLAGE) {
		a->form.editing = false;
		app_goto(a, SCR_REVIEW);
		return;
	}
	for (i = i - 1; i >= 0; i--)
		if (in_flow(a, flow[i])) {
			app_goto(a, flow[i]);
			return;
		}
	if (a->form.correcting) {
		app_goto(a, SCR_STATUS_RESULT);
		return;
	}
	app_reset(a);
}

/* ---- chrome ---- */

static void step_label(struct kapp *a, char *out, size_t n)
{
	int i = flow_index(a->screen), pos = 0, total = 0;
	char p[16], t[16];

	out[0] = '\0';
	if (i < 0 || a->screen == SCR_REVIEW)
		return;
	for (size_t k = 0; k + 1 < FLOW_N; k++) {
		if (!in_flow(a, flow[k]) || flow[k] == SCR_CONSENT)
			continue;
		total++;
		if ((int)k <= i)
			pos++;
	}
	if (pos == 0)
		return;
	snprintf(p, sizeof p, "%d", pos);
	snprintf(t, sizeof t, "%d", total);
	kfmt(out, n, T("Step {1} of {2}"), p, t, NULL);
}

SDL_Rect app_frame(struct kapp *a, const char *title, const char *icon,
	unsigned flags, const char *next_label)
{
	struct ui *u = &a->ui;
	int bar = ui_mm(u, KBAR_MM), pad = ui_mm(u, 1.2), gap = ui_mm(u, KBAR_GAP_MM);
	int lang_w = ui_mm(u, 50), isz = ui_mm(u, 8), x = pad;
	char step[48];
	SDL_Rect top = ui_rect(0, 0, u->w, bar);
	int title_w;

	ui_fill(u, top, ui_navy);
	if (icon != NULL) {
		ui_icon(u, icon, ui_rect(x, (bar - isz) / 2, isz, isz), ui_white);
		x += isz + pad;
	}
	step_label(a, step, sizeof step);
	title_w = u->w - x - pad - ((flags & FRAME_NO_LANG) ? 0 : lang_w + pad);
	if (step[0] != '\0') {
		int sw, sh;
		ui_measure(u, UI_F_SMALL, step, &sw, &sh);
		ui_text(u, UI_F_SMALL, x, (bar - u->font_h[UI_F_TITLE] - u->font_h[UI_F_SMALL]) / 2,
			title_w, step, (SDL_Color){ 220, 228, 245, 255 }, UI_LEFT);
		ui_text(u, UI_F_TITLE, x, (bar - u->font_h[UI_F_TITLE] - u->font_h[UI_F_SMALL]) / 2 +
			u->font_h[UI_F_SMALL], title_w, title, ui_white, UI_LEFT);
	} else {
		ui_text(u, UI_F_TITLE, x, (bar - u->font_h[UI_F_TITLE]) / 2, title_w, title,
			ui_white, UI_LEFT);
	}
	if (!(flags & FRAME_NO_LANG))
		ui_button(u, W_LANG, "lang", ui_rect(u->w - lang_w - gap, gap, lang_w, bar - 2 * gap),
			a->lang == JR_LANG_ID ? "English" : "Bahasa Indonesia", "lang",
			UI_SECONDARY, true);
	if (flags & (FRAME_BACK | FRAME_NEXT | FRAME_HOME)) {
		int by = u->h - bar, bw = ui_mm(u, 50);
		ui_fill(u, ui_rect(0, by, u->w, bar), (SDL_Color){ 238, 241, 247, 255 });
		ui_fill(u, ui_rect(0, by, u->w, 1), ui_line);
		if (flags & FRAME_BACK)
			ui_button(u, W_BACK, "back", ui_rect(gap, by + gap, bw, bar - 2 * gap),
				T("Back"), "back", UI_SECONDARY, true);
		if (flags & FRAME_HOME)
			ui_button(u, W_HOME, "home", ui_rect(gap, by + gap, bw, bar - 2 * gap),
				T("Finish"), "home", UI_SECONDARY, true);
		if (flags & FRAME_NEXT)
			ui_button(u, W_NEXT, "next", ui_rect(u->w - bw - gap, by + gap, bw,
				bar - 2 * gap), next_label ? next_label : T("Next"), "next",
				UI_PRIMARY, true);
		return ui_rect(pad, bar + pad, u->w - 2 * pad, u->h - 2 * bar - 2 * pad);
	}
	return ui_rect(pad, bar + pad, u->w - 2 * pad, u->h - bar - 2 * pad);
}

int app_draw_messages(struct kapp *a, SDL_Rect r)
{
	struct ui *u = &a->ui;
	int y = r.y, used = 0, isz = ui_mm(u, 6);
	SDL_Rect box;

	if (a->verdict.n == 0 && a->msg[0] == '\0')
		return 0;
	box = ui_rect(r.x + isz + ui_mm(u, 2), y, r.w - isz - ui_mm(u, 2), r.h);
	ui_icon(u, a->msg_is_error || a->verdict.n > 0 ? "warning" : "check",
		ui_rect(r.x, y, isz, isz), a->msg_is_error || a->verdict.n > 0 ? ui_red : ui_green);
	for (size_t i = 0; i < a->verdict.n; i++) {
		box.y = y;
		box.h = r.y + r.h - y;
		ui_wrap(u, UI_F_BOLD, box, jr_reason_message(a->verdict.reasons[i],
			(enum jr_lang)a->lang), ui_red, UI_LEFT, 0, true, &used);
		y += used;
	}
	if (a->msg[0] != '\0') {
		box.y = y;
		box.h = r.y + r.h - y;
		ui_wrap(u, UI_F_BOLD, box, a->msg, a->msg_is_error ? ui_red : ui_green,
			UI_LEFT, 0, true, &used);
		y += used;
	}
	return y - r.y;
}

/* ---- idle timeout ---- */

static bool idle_applies(const struct kapp *a)
{
	return a->screen != SCR_WELCOME && a->screen != SCR_SETUP;
}

static uint64_t idle_left_ms(const struct kapp *a)
{
	uint64_t limit = (uint64_t)a->cfg.idle_timeout_s * 1000;
	uint64_t idle = kclock_ms(&a->clock) - a->last_input_ms;

	return idle >= limit ? 0 : limit - idle;
}

static void draw_idle_warning(struct kapp *a)
{
	struct ui *u = &a->ui;
	uint64_t left = idle_left_ms(a);
	char secs[24], text[256];
	SDL_Rect r;

	if (!idle_applies(a) || left > (uint64_t)a->cfg.idle_warning_s * 1000)
		return;
	snprintf(secs, sizeof secs, "%llu", (unsigned long long)((left + 999) / 1000));
	kfmt(text, sizeof text, T("No touch for a while. Back to the start in {1} seconds: "
		"what you entered will be erased. Touch here to continue."), secs, NULL, NULL);
	r = ui_rect(ui_mm(u, 6), u->h / 2 - ui_mm(u, 18), u->w - ui_mm(u, 12), ui_mm(u, 36));
	ui_button(u, W_IDLE_CONTINUE, "idle-continue", r, "", NULL, UI_SECONDARY, true);
	ui_fill(u, r, ui_yellow);
	ui_border(u, r, ui_black, 3);
	ui_icon(u, "clock", ui_rect(r.x + ui_mm(u, 3), r.y + ui_mm(u, 3), ui_mm(u, 12),
		ui_mm(u, 12)), ui_black);
	ui_text(u, UI_F_HUGE, r.x + ui_mm(u, 3), r.y + ui_mm(u, 16), ui_mm(u, 14), secs,
		ui_black, UI_CENTER);
	ui_wrap(u, UI_F_BOLD, ui_rect(r.x + ui_mm(u, 20), r.y + ui_mm(u, 2),
		r.w - ui_mm(u, 23), r.h - ui_mm(u, 4)), text, ui_black, UI_LEFT, 0, true, NULL);
}

/*
 * An officer's sync drive carries the officer's key at cfg.officer_key. When
 * it appears (looked for once a second) while the kiosk waits on its welcome
 * screen, the kiosk asks for the officer's PIN, and the right PIN starts the
 * sync (the drive was plugged in to sync); it never interrupts a worker in
 * the middle of a form. A drive already in at start-up does not count.
 * Pulling the drive out closes officer mode (the PIN screen, the menu, a
 * finished sync's counts): the officer has left.
 */
/*
 * On the first-run screen, before anyone registered: an officer's drive with
 * the consortium's village binding (docs/formats.md "Village binding") binds
 * the kiosk to that village in place of the configuration's template
 * (kbackend_bind_from_drive); the screen says which village, or why the
 * file was not used.
 */
static void watch_binding(struct kapp *a)
{
	char drive[KCONF_PATH_MAX], path[KCONF_PATH_MAX + 32];
	struct jr_errbuf eb = { 0 };
	const struct jr_region *v;
	bool present;
	int err;

	kbackend_drive_path(&a->cfg, drive, sizeof drive);
	present = kpath(path, sizeof path, drive, KBINDING_FILE) && access(path, F_OK) == 0;
	if (present && !a->binding_present && a->be.shard != NULL) {
		err = kbackend_bind_from_drive(&a->be, &a->cfg, &eb);
		if (err == JR_OK) {
			v = jr_region_find(a->be.village);
			kfmt(a->msg, sizeof a->msg, T("Village {1} from the officer's drive, signed by "
				"the consortium."), v != NULL ? v->name : "", NULL, NULL);
			a->msg_is_error = false;
		} else if (err != JR_ENOTFOUND) {
			klog_console("village binding %s not used: %s", path, eb.msg);
			kstrlcpy(a->msg, err == JR_EEXIST ? T("This kiosk has registered people "
				"already: its village stays as it is.") : err == JR_ESIG || err == JR_EKEY ?
				T("The village file on the drive is not signed by this kiosk's consortium: "
				"it was not used.") : T("The village file on the drive could not be read: "
				"it was not used."), sizeof a->msg);
			a->msg_is_error = true;
		}
		a->dirty = true;
		a->layout_stale = true;
	}
	a->binding_present = present;
}

static void watch_drive(struct kapp *a)
{
	uint64_t now = kclock_ms(&a->clock);
	bool present;

	if (a->cfg.officer_key[0] == '\0' || now - a->drive_checked_ms < 1000)
		return;
	a->drive_checked_ms = now;
	if (a->screen == SCR_SETUP)
		watch_binding(a);
	if (a->pointer_down_id >= 0)
		return; /* a finger is on a button: not now, at the next look */
	present = access(a->cfg.officer_key, F_OK) == 0;
	if (!present && a->drive_present && !kscreen_sync_running() &&
	    (a->screen == SCR_OFFICER_PIN || a->screen == SCR_OFFICER || a->screen == SCR_SYNC)) {
		/* The officer left with their drive: officer mode ends with it. */
		klog_console("officer's drive removed: officer mode closed");
		app_reset(a);
	}
	if (present && !a->drive_present && a->screen == SCR_WELCOME) {
		klog_console("officer's drive inserted: asking for the officer's PIN");
		app_goto(a, SCR_OFFICER_PIN);
		a->sync_on_open = true;
	}
	a->drive_present = present;
}

void app_tick(struct kapp *a)
{
	struct kev ev = { .type = KEV_TICK };
	uint64_t left;
	uint64_t *shown_secs = &a->idle_shown_secs;

	if (idle_applies(a)) {
		left = idle_left_ms(a);
		if (left == 0) {
			klog("idle timeout: form wiped");
			app_reset(a);
			return;
		}
		if (left <= (uint64_t)a->cfg.idle_warning_s * 1000 &&
		    (left + 999) / 1000 != *shown_secs) {
			*shown_secs = (left + 999) / 1000;
			a->dirty = true;
			a->layout_stale = true;
		} else if (left > (uint64_t)a->cfg.idle_warning_s * 1000 &&
		    *shown_secs != 0) {
			*shown_secs = 0;
			a->dirty = true;
			a->layout_stale = true;
		}
	}
	watch_drive(a);
	if (a->pending != NULL && a->frames > a->pending_frame) {
		void (*fn)(struct kapp *) = a->pending;
		a->pending = NULL;
		fn(a);
		a->dirty = true;
		a->layout_stale = true;
	}
	if (a->ops->handle != NULL)
		a->ops->handle(a, &ev);
}

void app_defer(struct kapp *a, void (*fn)(struct kapp *a))
{
	a->pending = fn;
	a->pending_frame = a->frames;
	a->dirty = true;
}

/* ---- drawing ---- */

static void lay_out(struct kapp *a, bool render)
{
	ui_begin(&a->ui, render);
	a->ui.pressed_id = a->pointer_down_id;
	a->ops->draw(a);
	draw_idle_warning(a);
	a->layout_stale = false;
}

void app_layout(struct kapp *a)
{
	if (a->layout_stale)
		lay_out(a, false);
}

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/*
 * The appliance's boot test and boot check (firmware-image/) wait for this
 * line: printed once, after the first frame is presented, only when
 * JARING_KIOSK_MARK_FIRST_FRAME is set (the appliance's unit sets it).
 */
static void mark_first_frame(const struct kapp *a)
{
	if (getenv("JARING_KIOSK_MARK_FIRST_FRAME") == NULL)
		return;
	printf("jaring-kiosk: first frame presented: screen %s, %dx%d\n", a->ops->name,
		a->ui.w, a->ui.h);
	(void)fflush(stdout); /* a lost line only delays the waiting test */
}

/* Frames are timed twice: wall clock (what the worker waits) and this
 * thread's CPU time (the frame's own cost, apart from other processes on a
 * shared machine; SDL's software renderer draws on this thread). */
double app_render(struct kapp *a)
{
	uint64_t t0 = SDL_GetPerformanceCounter();
	double c0 = thread_cpu_ms(), ms, cpu;

	lay_out(a, true);
	SDL_RenderPresent(a->ren);
	ms = (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 /
		(double)SDL_GetPerformanceFrequency();
	cpu = thread_cpu_ms() - c0;
	if (cpu > a->max_frame_cpu_ms)
		a->max_frame_cpu_ms = cpu;
	if (a->submit_t0 != 0 && a->screen == SCR_RECEIPT) {
		if (a->n_submit < KAPP_LAT_MAX)
			a->submit_ms[a->n_submit++] = (double)(SDL_GetPerformanceCounter() -
				a->submit_t0) * 1000.0 / (double)SDL_GetPerformanceFrequency();
		a->submit_t0 = 0;
	}
	if (a->frames == 0)
		mark_first_frame(a);
	a->frames++;
	a->frame_hist[cpu * 10 < KAPP_HIST - 1 ? (int)(cpu * 10) : KAPP_HIST - 1]++;
	a->last_frame_ms = ms;
	if (ms > a->max_frame_ms)
		a->max_frame_ms = ms;
	a->dirty = false;
	return ms;
}

/* ---- input: one path for fingers, mice, keyboards and scripts ---- */

static void pointer_down(struct kapp *a, int x, int y)
{
	const struct ui_widget *w;

	a->last_input_ms = kclock_ms(&a->clock);
	app_layout(a);
	w = ui_hit(&a->ui, x, y);
	a->pointer_down_id = (w != NULL && w->enabled) ? w->id : -1;
	a->dirty = true;
}

static void pointer_move(struct kapp *a, int x, int y)
{
	const struct ui_widget *w;

	if (a->pointer_down_id < 0)
		return;
	app_layout(a);
	w = ui_hit(&a->ui, x, y);
	if (w == NULL || w->id != a->pointer_down_id) {
		a->pointer_down_id = -1; /* slid off: no tap */
		a->dirty = true;
	}
}

static void dispatch(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_TAP && ev->id == W_LANG) {
		a->lang = a->lang == JR_LANG_ID ? JR_LANG_EN : JR_LANG_ID;
	} else if (ev->type == KEV_TAP && ev->id == W_IDLE_CONTINUE) {
		/* the touch itself reset the timer */
	} else if (a->ops->handle != NULL) {
		a->ops->handle(a, ev);
	}
	a->dirty = true;
	a->layout_stale = true;
}

static void pointer_up(struct kapp *a, int x, int y)
{
	const struct ui_widget *w;
	int down = a->pointer_down_id;

	a->last_input_ms = kclock_ms(&a->clock);
	app_layout(a);
	w = ui_hit(&a->ui, x, y);
	a->pointer_down_id = -1;
	a->dirty = true;
	if (w != NULL && w->enabled && w->id == down) {
		struct kev ev = { .type = KEV_TAP, .id = w->id };
		dispatch(a, &ev);
	}
}

static int finger_px(float v, int size)
{
	int p = (int)(v * (float)size);

	return p < 0 ? 0 : p >= size ? size - 1 : p;
}

void app_handle_sdl(struct kapp *a, const SDL_Event *e)
{
	struct kev ev = { 0 };

	switch (e->type) {
	case SDL_QUIT:
		a->quit = true;
		break;
	case SDL_MOUSEBUTTONDOWN:
		if (e->button.which != SDL_TOUCH_MOUSEID && e->button.button == SDL_BUTTON_LEFT)
			pointer_down(a, e->button.x, e->button.y);
		break;
	case SDL_MOUSEBUTTONUP:
		if (e->button.which != SDL_TOUCH_MOUSEID && e->button.button == SDL_BUTTON_LEFT)
			pointer_up(a, e->button.x, e->button.y);
		break;
	case SDL_MOUSEMOTION:
		if (e->motion.which != SDL_TOUCH_MOUSEID && (e->motion.state & SDL_BUTTON_LMASK))
			pointer_move(a, e->motion.x, e->motion.y);
		break;
	case SDL_FINGERDOWN:
		pointer_down(a, finger_px(e->tfinger.x, a->ui.w), finger_px(e->tfinger.y, a->ui.h));
		break;
	case SDL_FINGERUP:
		pointer_up(a, finger_px(e->tfinger.x, a->ui.w), finger_px(e->tfinger.y, a->ui.h));
		break;
	case SDL_FINGERMOTION:
		pointer_move(a, finger_px(e->tfinger.x, a->ui.w), finger_px(e->tfinger.y, a->ui.h));
		break;
	case SDL_TEXTINPUT:
		a->last_input_ms = kclock_ms(&a->clock);
		ev.type = KEV_TEXT;
		ev.text = e->text.text;
		dispatch(a, &ev);
		break;
	case SDL_KEYDOWN:
		a->last_input_ms = kclock_ms(&a->clock);
		ev.type = KEV_KEY;
		ev.key = e->key.keysym.sym;
		dispatch(a, &ev);
		break;
	case SDL_WINDOWEVENT:
		a->dirty = true;
		break;
	default:
		break;
	}
}

void app_pump(struct kapp *a)
{
	SDL_Event e;

	while (SDL_PollEvent(&e))
		app_handle_sdl(a, &e);
	app_tick(a);
	if (a->dirty)
		app_render(a);
}

void app_run(struct kapp *a)
{
	SDL_Event e;

	SDL_StartTextInput();
	app_render(a);
	while (!a->quit) {
		if (SDL_WaitEventTimeout(&e, 100)) {
			app_handle_sdl(a, &e);
			while (SDL_PollEvent(&e))
				app_handle_sdl(a, &e);
		}
		app_tick(a);
		if (a->dirty)
			app_render(a);
	}
}
