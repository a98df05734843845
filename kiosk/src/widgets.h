/*
 * widgets.h — composite widgets the screens share: the numeric keypad, the
 * on-screen keyboard, the entry field, and the paged list / tile grid.
 * They draw through ui.h and report taps through the widget ids of app.h.
 */
#ifndef KIOSK_WIDGETS_H
#define KIOSK_WIDGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"

/* 1 2 3 / 4 5 6 / 7 8 9 / del 0 clear: keys at least 9 mm. */
void kw_keypad(struct kapp *a, SDL_Rect r);
/* Applies a keypad tap to buf (digits only, at most max digits). true if
 * the tap was a keypad key. */
bool kw_keypad_tap(int id, char *buf, size_t max);

/* Keyboard from rows of single-byte keys; a last row with space and
 * delete. */
struct kw_layout {
	const char *const *rows;
	int n_rows;
	bool space;
	const char *mode;      /* label of a key that switches layouts (W_KEY_MODE) */
};
extern const struct kw_layout kw_name_layout;  /* A-Z ' - . and space */
extern const struct kw_layout kw_code_layout;  /* Crockford base32 symbols */
void kw_keyboard(struct kapp *a, SDL_Rect r, const struct kw_layout *l);
bool kw_keyboard_tap(const struct kw_layout *l, int id, char *buf, size_t max);

/* A boxed entry showing text in the big font (placeholder in grey when
 * empty). */
void kw_entry(struct kapp *a, SDL_Rect r, const char *text,
	const char *placeholder);

/* Layout of a keyboard screen: the prompt (or, when a->verdict holds
 * reasons, the reasons in red) in two small lines across the top, the
 * entry under it, the keyboard area below. Draws the prompt or reasons. */
void kw_keyboard_screen(struct kapp *a, SDL_Rect c, const char *prompt,
	SDL_Rect *entry, SDL_Rect *keys);

struct kw_item {
	const char *label;
	const char *icon;      /* may be NULL */
	const char *name;      /* widget name for scripts, e.g. "occ-farmer" */
	bool selected;
};

/* Items as buttons in a grid of `cols` columns and rows of row_mm, paged
 * with up/down buttons (a->page) when they do not fit; tiles draw the icon
 * above the label. Item i has widget id W_ITEM0 + i. */
void kw_grid(struct kapp *a, SDL_Rect r, const struct kw_item *items, int n,
	int cols, double row_mm, bool tiles);
/* Handles W_PAGE_UP / W_PAGE_DOWN for a grid; true if handled. */
bool kw_grid_page(struct kapp *a, int id);

/* A long text with up/down buttons when it does not fit (a->scroll is the
 * first line shown). */
void kw_textview(struct kapp *a, SDL_Rect r, enum ui_font f, const char *text);
bool kw_textview_scroll(struct kapp *a, int id);

#endif
