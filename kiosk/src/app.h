/*
 * app.h — the kiosk application: one state machine whose states are the
 * screens (each with enter, handle-event and draw), the form as plain data,
 * the widget layer, the ledger backend and an injectable clock.
 *
 * Input takes one path whatever produces it — a finger, a mouse, a
 * keyboard, or a test script that pushes the same SDL events with
 * SDL_PushEvent: app_handle_sdl() turns a press and release on one widget
 * into a tap on that widget's id and gives it to the current screen.
 */
#ifndef KIOSK_APP_H
#define KIOSK_APP_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "clock.h"
#include "config.h"
#include "form.h"
#include "i18n.h"
#include "ui.h"

enum kscreen {
	SCR_SETUP, SCR_WELCOME, SCR_CONSENT, SCR_DECLINED, SCR_NIK, SCR_NAME,
	SCR_SEX, SCR_DOB, SCR_DISTRICT, SCR_VILLAGE, SCR_ADDRESS,
	SCR_OCCUPATION, SCR_INCOME, SCR_PHONE, SCR_REVIEW, SCR_RECEIPT,
	SCR_STATUS_MENU, SCR_STATUS_CODE, SCR_STATUS_RESULT,
	SCR_OFFICER_PIN, SCR_OFFICER, SCR_SYNC,
	SCR_COUNT
};

/* Widget ids shared by every screen; screens number their own from W_OWN. */
enum {
	W_NONE = 0, W_BACK, W_LANG, W_NEXT, W_IDLE_CONTINUE, W_PAGE_UP,
	W_PAGE_DOWN, W_HOME,
	W_KEY0 = 20,          /* keypad digits W_KEY0 + d */
	W_KEY_DEL = 30, W_KEY_CLEAR, W_KEY_SPACE, W_KEY_MODE,
	W_CHAR0 = 40,         /* keyboard keys W_CHAR0 + index */
	W_ITEM0 = 200,        /* list items W_ITEM0 + index */
	W_EDIT0 = 600,        /* review: edit field W_EDIT0 + enum kfield */
	W_OWN = 700
};

enum kev_type { KEV_ENTER, KEV_TAP, KEV_TEXT, KEV_KEY, KEV_TICK };

struct kev {
	enum kev_type type;
	int id;               /* KEV_TAP: widget id */
	const char *text;     /* KEV_TEXT: UTF-8 */
	SDL_Keycode key;      /* KEV_KEY */
};

struct kapp;

struct kscreen_ops {
	const char *name;     /* stable, used by scripts and screenshots */
	void (*enter)(struct kapp *a);
	void (*handle)(struct kapp *a, const struct kev *ev);
	void (*draw)(struct kapp *a);
};

#define KMSG_MAX 512
#define KAPP_LAT_MAX 1024
#define KAPP_HIST 1000 /* 0..100 ms */

/* What the status screen shows, filled by status lookups. */
struct kstatus_view {
	int outcome;          /* enum kstatus_outcome (backend.h) */
	struct kstatus st;
	struct jr_receipt receipt;
	char code[JR_CODE_TEXT_LEN + 1];
	char other_kiosk[JR_KEYID_SHORT_LEN + 1];
	char detail[KMSG_MAX];
};

struct kreceipt_view {
	bool valid;
	struct jr_receipt receipt;
	char code[JR_CODE_TEXT_LEN + 1];
	char text[JR_RECEIPT_TEXT_MAX + 1];
	SDL_Texture *qr;      /* the QR, one texel per module */
	int qr_modules;
	int print_state;      /* enum kprint_state (printer.h) */
	char print_detail[KMSG_MAX];
	char png_path[KCONF_PATH_MAX];
};

struct kapp {
	struct kconfig cfg;
	struct kclock clock;
	SDL_Window *win;
	SDL_Renderer *ren;
	struct ui ui;
	struct ki18n *tr;
	int lang;
	struct kbackend be;
	bool ready;                   /* backend can register */
	char not_ready[KMSG_MAX];

	enum kscreen screen;
	const struct kscreen_ops *ops;
	struct kform form;

	/* state of the current screen, reset on every screen change */
	int page;
	int scroll;
	char entry[128];              /* keypad / keyboard text of this screen */
	struct jr_verdict verdict;    /* messages shown on this screen */
	char msg[KMSG_MAX];           /* a message that is not a rule reason */
	bool msg_is_error;
	int choice;

	struct kreceipt_view rv;
	struct kstatus_view sv;
	/* Work that must wait until the current screen has been shown once
	 * (printing, scanning): run by app_tick when a->frames > pending_frame. */
	void (*pending)(struct kapp *a);
	uint64_t pending_frame;
	bool officer_ok;
	uint8_t officer_id[JR_ID_BYTES];  /* the officer the PIN opened */
	char officer_short[JR_KEYID_SHORT_LEN + 1];

	uint64_t last_input_ms;
	uint64_t idle_shown_secs;     /* countdown value on screen, 0 = none */
	bool drive_present;           /* the officer key was there at the last look */
	bool binding_present;         /* the drive's village binding, at the last look */
	bool sync_on_open;            /* the PIN screen came from plugging the drive
	                               * in: the right PIN starts the sync */
	uint64_t drive_checked_ms;
	bool dirty;                   /* needs a redraw */
	bool layout_stale;            /* widgets do not match the state */
	bool quit;
	int pointer_down_id;
	uint64_t frames;
	double last_frame_ms, max_frame_ms;       /* wall clock */
	double max_frame_cpu_ms;                  /* this thread's CPU time */
	uint32_t frame_hist[KAPP_HIST];   /* CPU time of frames, 0.1 ms buckets */
	uint64_t screen_changes;
	/* Submit-to-receipt-on-screen latency: set when the worker taps
	 * "register", measured when the receipt's first frame is presented. */
	uint64_t submit_t0;
	double submit_ms[KAPP_LAT_MAX];
	size_t n_submit;
};

extern const struct kscreen_ops *const kscreens[SCR_COUNT];

/* Creates the window (or offscreen surface), fonts, translations and the
 * backend. Virtual clock when `virtual_start` is non-zero. */
bool app_init(struct kapp *a, const struct kconfig *cfg, int64_t virtual_start,
	char *err, size_t errlen);
void app_free(struct kapp *a);
/* Main loop until quit (real clock). */
void app_run(struct kapp *a);
/* Handles every queued SDL event, ticks, redraws if needed. */
void app_pump(struct kapp *a);
void app_handle_sdl(struct kapp *a, const SDL_Event *e);
void app_tick(struct kapp *a);
/* Lays out without drawing if the widgets are stale. */
void app_layout(struct kapp *a);
/* Draws and presents one frame; returns its duration in ms. */
double app_render(struct kapp *a);

void app_goto(struct kapp *a, enum kscreen s);
/* Runs fn after the next frame is on screen. */
void app_defer(struct kapp *a, void (*fn)(struct kapp *a));
/* Wipes the form and every screen's state, back to welcome. */
void app_reset(struct kapp *a);
const char *app_tr(struct kapp *a, const char *msgid);
#define T(s) app_tr(a, s)
uint32_t app_today(const struct kapp *a);

/* Shared screen chrome: title bar with the language button, a back button
 * and an optional next button. Returns the content area. */
#define KBAR_MM 12.0     /* title and button bars */
#define KBAR_GAP_MM 1.0  /* bar buttons are KBAR_MM - 2 gaps = 10 mm tall */
enum { FRAME_BACK = 1, FRAME_NEXT = 2, FRAME_HOME = 4, FRAME_NO_LANG = 8 };
SDL_Rect app_frame(struct kapp *a, const char *title, const char *icon,
	unsigned flags, const char *next_label);
/* The form's flow: next and previous registration screen. */
void app_flow_next(struct kapp *a);
void app_flow_back(struct kapp *a);
/* Draws the verdict's messages (or a->msg) in r; returns height used. */
int app_draw_messages(struct kapp *a, SDL_Rect r);

#endif
