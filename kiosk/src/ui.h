/*
 * ui.h — the kiosk's small immediate-mode widget layer.
 *
 * Every frame a screen lays itself out by calling these functions. Each call
 * draws (when the frame renders) and registers what it drew: widgets (a
 * rectangle with an id, a stable name and its visible label) and every piece
 * of text. The application hit-tests pointer events against the widgets of
 * the last layout, and the scripted sessions find buttons by label and assert
 * on the registered text — the same data a finger and an eye see.
 *
 * Sizes are millimetres (ui_mm) converted with the panel's pixels per
 * millimetre, so a 12 mm button is 12 mm on a 7" 800x480 panel and on a
 * 10" 1280x800 one. Text that does not fit its box is counted as clipped;
 * the scripted sessions fail on it.
 */
#ifndef KIOSK_UI_H
#define KIOSK_UI_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>

enum ui_font {
	UI_F_SMALL, UI_F_BODY, UI_F_BOLD, UI_F_TITLE, UI_F_BIG, UI_F_HUGE,
	UI_F_COUNT
};

enum ui_style {
	UI_PRIMARY,   /* filled navy, white text: the action this screen wants */
	UI_SECONDARY, /* white, navy border */
	UI_SELECTED,  /* a chosen option */
	UI_DANGER,    /* leaves or cancels */
	UI_KEY,       /* keypad and keyboard keys */
	UI_PLAIN      /* no border: lists' inline actions */
};

enum ui_align { UI_LEFT, UI_CENTER, UI_RIGHT };

/* Colours of the high-contrast theme (WCAG AAA on white). */
extern const SDL_Color ui_ink, ui_paper, ui_navy, ui_navy_hi, ui_red,
	ui_green, ui_grey, ui_line, ui_yellow, ui_white, ui_black;

#define UI_MAX_WIDGETS 160
#define UI_NAME_MAX 32
#define UI_LABEL_MAX 96
#define UI_TEXTLOG_MAX 16384
#define UI_MIN_TARGET_MM 9.0

struct ui_widget {
	int id;
	SDL_Rect r;
	bool enabled;
	char name[UI_NAME_MAX];
	char label[UI_LABEL_MAX];
};

struct ui_text_cache;
struct ui_icons;
struct ui_wrap_cache;

struct ui {
	SDL_Renderer *ren;
	bool render;           /* false: lay out and register only */
	int w, h;
	double pxmm;
	TTF_Font *font[UI_F_COUNT];
	int font_h[UI_F_COUNT];
	struct ui_widget widgets[UI_MAX_WIDGETS];
	int n_widgets;
	int pressed_id;        /* widget under a finger that is down, or -1 */
	char textlog[UI_TEXTLOG_MAX];
	size_t textlog_len;
	unsigned clipped;      /* pieces of text cut off in this layout */
	char clipped_what[UI_LABEL_MAX];
	unsigned small_targets; /* widgets under 9 mm in this layout */
	struct ui_text_cache *cache;
	struct ui_icons *icons;
	struct ui_wrap_cache *wraps;
	char icons_dir[512];
	unsigned frame;
	enum ui_font tile_font; /* set by grids so every tile reads alike */
};

bool ui_init(struct ui *u, SDL_Renderer *ren, int w, int h, double pxmm,
	const char *fonts_dir, const char *icons_dir, char *err, size_t errlen);
void ui_free(struct ui *u);
/* Starts a layout pass; render says whether to draw. Clears the registry. */
void ui_begin(struct ui *u, bool render);

int ui_mm(const struct ui *u, double mm);
SDL_Rect ui_rect(int x, int y, int w, int h);
/* The rect shrunk by m px on every side. */
SDL_Rect ui_inset(SDL_Rect r, int m);

void ui_fill(struct ui *u, SDL_Rect r, SDL_Color c);
void ui_border(struct ui *u, SDL_Rect r, SDL_Color c, int t);
void ui_icon(struct ui *u, const char *name, SDL_Rect r, SDL_Color c);

/* Width and height of one line. */
void ui_measure(struct ui *u, enum ui_font f, const char *s, int *w, int *h);
/* One line at (x, y) aligned within width w (w 0: left at x). Text wider
 * than w is clipped and counted. Returns the line height. */
int ui_text(struct ui *u, enum ui_font f, int x, int y, int w, const char *s,
	SDL_Color c, enum ui_align a);
/* Word-wrapped text in box starting at line `first`; returns the number of
 * lines the whole text has (so callers can page). Lines that do not fit
 * below are not drawn; with `must_fit` they count as clipped. *used gets
 * the height drawn. */
int ui_wrap(struct ui *u, enum ui_font f, SDL_Rect box, const char *s,
	SDL_Color c, enum ui_align a, int first, bool must_fit, int *used);
/* Where to break the first line of s to fit width w (word wrap; a word
 * wider than w is broken). Returns its length; *next is the next line. */
size_t ui_break_line(TTF_Font *font, const char *s, int w, const char **next);
/* How many lines s takes at width w. */
int ui_wrap_lines(struct ui *u, enum ui_font f, int w, const char *s);

/* A button: registers (id, name, label) and draws label and icon (icon may
 * be NULL). A disabled button is drawn grey and ignores taps. */
void ui_button(struct ui *u, int id, const char *name, SDL_Rect r,
	const char *label, const char *icon, enum ui_style st, bool enabled);
/* A tile: icon above a wrapped label (occupation grid). */
void ui_tile(struct ui *u, int id, const char *name, SDL_Rect r,
	const char *label, const char *icon, enum ui_style st);

/* The widget at (x, y) in the last layout, or NULL. */
const struct ui_widget *ui_hit(const struct ui *u, int x, int y);
const struct ui_widget *ui_find_id(const struct ui *u, int id);
/* Registers a piece of visible text without drawing (for text drawn as
 * images, e.g. the receipt's code inside a rendered picture). */
void ui_log_text(struct ui *u, const char *s);

#endif
