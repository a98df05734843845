#include <string.h>

#include "widgets.h"
#include "util.h"

static int gap(struct kapp *a) { return ui_mm(&a->ui, 1.5); }

void kw_keypad(struct kapp *a, SDL_Rect r)
{
	static const char *const labels[12] = {
		"1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "" };
	struct ui *u = &a->ui;
	int g = gap(a), kw = (r.w - 2 * g) / 3, kh = (r.h - 3 * g) / 4;

	for (int i = 0; i < 12; i++) {
		SDL_Rect k = ui_rect(r.x + (i % 3) * (kw + g), r.y + (i / 3) * (kh + g), kw, kh);
		char name[16];
		if (i == 9) {
			ui_button(u, W_KEY_DEL, "key-del", k, "", "del", UI_KEY, true);
			continue;
		}
		if (i == 11) {
			ui_button(u, W_KEY_CLEAR, "key-clear", k, T("Clear"), NULL, UI_KEY, true);
			continue;
		}
		kfmt(name, sizeof name, "key-{1}", labels[i], NULL, NULL);
		ui_button(u, W_KEY0 + (labels[i][0] - '0'), name, k, labels[i], NULL, UI_KEY, true);
	}
}

bool kw_keypad_tap(int id, char *buf, size_t max)
{
	size_t len = strlen(buf);

	if (id >= W_KEY0 && id <= W_KEY0 + 9) {
		if (len < max) {
			buf[len] = (char)('0' + (id - W_KEY0));
			buf[len + 1] = '\0';
		}
		return true;
	}
	if (id == W_KEY_DEL) {
		if (len > 0)
			buf[len - 1] = '\0';
		return true;
	}
	if (id == W_KEY_CLEAR) {
		memset(buf, 0, len);
		return true;
	}
	return false;
}

static const char *const name_rows[] = { "QWERTYUIOP", "ASDFGHJKL'", "ZXCVBNM-." };
const struct kw_layout kw_name_layout = { name_rows, 3, true, NULL };
/* The 32 Crockford base32 symbols: the check symbol of jr_receipt_code is
 * one of them, so there is no key for anything else. */
static const char *const code_rows[] = { "1234567890", "ABCDEFGHJK", "MNPQRSTVWX", "YZ" };
const struct kw_layout kw_code_layout = { code_rows, 4, false, NULL };

void kw_keyboard(struct kapp *a, SDL_Rect r, const struct kw_layout *l)
{
	struct ui *u = &a->ui;
	int g = ui_mm(u, 1.0), rows = l->n_rows + (l->space ? 1 : 0);
	int index = 0, cols = 0;

	for (int i = 0; i < l->n_rows; i++)
		if ((int)strlen(l->rows[i]) > cols)
			cols = (int)strlen(l->rows[i]);
	/* A layout without a key has no width to share out (and would divide
	 * by zero): draw nothing. cols > 0 means n_rows, so rows, >= 1. */
	if (cols == 0)
		return;
	int kh = (r.h - (rows - 1) * g) / rows;
	int kw = (r.w - (cols - 1) * g) / cols;
	for (int row = 0; row < l->n_rows; row++) {
		int n = (int)strlen(l->rows[row]);
		int x0 = r.x + (r.w - (n * kw + (n - 1) * g)) / 2;
		bool del_here = !l->space && row == l->n_rows - 1;
		if (del_here)
			x0 = r.x;
		for (int k = 0; k < n; k++, index++) {
			char label[2] = { l->rows[row][k], '\0' }, name[16];
			kfmt(name, sizeof name, "char-{1}", label, NULL, NULL);
			ui_button(u, W_CHAR0 + index, name, ui_rect(x0 + k * (kw + g),
				r.y + row * (kh + g), kw, kh), label, NULL, UI_KEY, true);
		}
		if (del_here)
			ui_button(u, W_KEY_DEL, "key-del", ui_rect(r.x + r.w - 3 * kw - 2 * g,
				r.y + row * (kh + g), 3 * kw + 2 * g, kh), T("Delete"), "del",
				UI_KEY, true);
	}
	if (l->space) {
		int y = r.y + l->n_rows * (kh + g);
		int dw = 3 * kw + 2 * g;
		int mw = l->mode ? 2 * kw + g : 0;
		if (l->mode != NULL)
			ui_button(u, W_KEY_MODE, "key-mode", ui_rect(r.x, y, mw, kh), l->mode, NULL,
				UI_KEY, true);
		ui_button(u, W_KEY_SPACE, "key-space", ui_rect(r.x + mw + g, y,
			r.w - dw - mw - 2 * g, kh), T("Space"), NULL, UI_KEY, true);
		ui_button(u, W_KEY_DEL, "key-del", ui_rect(r.x + r.w - dw, y, dw, kh),
			T("Delete"), "del", UI_KEY, true);
	}
}

bool kw_keyboard_tap(const struct kw_layout *l, int id, char *buf, size_t max)
{
	size_t len = strlen(buf);
	int index = 0;

	if (id == W_KEY_DEL) {
		kutf8_pop(buf);
		return true;
	}
	if (id == W_KEY_SPACE) {
		/* no leading or double spaces */
		if (len > 0 && buf[len - 1] != ' ' && len < max)
			kstrlcat(buf, " ", max + 1);
		return true;
	}
	for (int row = 0; row < l->n_rows; row++)
		for (const char *c = l->rows[row]; *c != '\0'; c++, index++)
			if (id == W_CHAR0 + index) {
				char s[2] = { *c, '\0' };
				if (len < max)
					kstrlcat(buf, s, max + 1);
				return true;
			}
	return false;
}

void kw_entry(struct kapp *a, SDL_Rect r, const char *text, const char *placeholder)
{
	static const enum ui_font fonts[3] = { UI_F_BIG, UI_F_BOLD, UI_F_SMALL };
	struct ui *u = &a->ui;
	bool empty = text == NULL || text[0] == '\0';
	const char *s = empty ? placeholder : text;
	enum ui_font f = UI_F_SMALL;
	int tw, th, pad = ui_mm(u, 2), room = r.w - 2 * pad;
	char tail[256];

	ui_fill(u, r, ui_paper);
	ui_border(u, r, ui_navy, 3);
	for (int i = 0; i < 3; i++) {
		ui_measure(u, fonts[i], s, &tw, &th);
		f = fonts[i];
		if (tw <= room)
			break;
	}
	/* Longer than the box even in small type: show the end, as a text
	 * field scrolls to the caret. */
	ui_measure(u, f, s, &tw, &th);
	while (tw > room && s[0] != '\0') {
		do
			s++;
		while (((unsigned char)*s & 0xC0) == 0x80);
		kfmt(tail, sizeof tail, "\xE2\x80\xA6{1}", s, NULL, NULL);
		ui_measure(u, f, tail, &tw, &th);
	}
	ui_text(u, f, r.x + pad, r.y + (r.h - u->font_h[f]) / 2, room,
		s == (empty ? placeholder : text) ? s : tail, empty ? ui_grey : ui_ink, UI_LEFT);
}

static void pager(struct kapp *a, SDL_Rect strip, int pages)
{
	struct ui *u = &a->ui;
	int bh = ui_mm(u, 13);
	char pos[64], p1[24], p2[24];

	snprintf(p1, sizeof p1, "%d", a->page + 1);
	snprintf(p2, sizeof p2, "%d", pages);
	kfmt(pos, sizeof pos, "{1}/{2}", p1, p2, NULL);
	ui_button(u, W_PAGE_UP, "page-up", ui_rect(strip.x, strip.y, strip.w, bh), "", "up",
		UI_SECONDARY, a->page > 0);
	ui_text(u, UI_F_BOLD, strip.x, strip.y + strip.h / 2 - u->font_h[UI_F_BOLD] / 2,
		strip.w, pos, ui_ink, UI_CENTER);
	ui_button(u, W_PAGE_DOWN, "page-down", ui_rect(strip.x, strip.y + strip.h - bh, strip.w, bh),
		"", "down", UI_SECONDARY, a->page + 1 < pages);
}

void kw_grid(struct kapp *a, SDL_Rect r, const struct kw_item *items, int n,
	int cols, double row_mm, bool tiles)
{
	struct ui *u = &a->ui;
	int g = gap(a), rh = ui_mm(u, row_mm);
	int rows = (r.h + g) / (rh + g), per, pages;

	if (rows < 1)
		rows = 1;
	per = rows * cols;
	pages = (n + per - 1) / per;
	a->choice = pages; /* remembered for kw_grid_page */
	if (a->page >= pages)
		a->page = pages > 0 ? pages - 1 : 0;
	if (pages > 1) {
		int sw = ui_mm(u, 14);
		pager(a, ui_rect(r.x + r.w - sw, r.y, sw, r.h), pages);
		r.w -= sw + g;
	}
	/* One page: use the height there is, up to 1.8 times the row size. */
	if (pages == 1 && n > 0)
		rows = (n + cols - 1) / cols;
	rh = (r.h - (rows - 1) * g) / rows;
	if (pages == 1 && rh > ui_mm(u, row_mm * 1.8))
		rh = ui_mm(u, row_mm * 1.8);
	int cw = (r.w - (cols - 1) * g) / cols;
	/* One type size for every tile of the grid. */
	u->tile_font = UI_F_BOLD;
	for (int i = 0; tiles && i < n; i++)
		if (ui_wrap_lines(u, UI_F_BOLD, cw - 2 * ui_mm(u, 1.2), items[i].label) *
		    u->font_h[UI_F_BOLD] > rh / 2 - ui_mm(u, 1.2))
			u->tile_font = UI_F_SMALL;
	for (int k = 0; k < per; k++) {
		int i = a->page * per + k;
		SDL_Rect cell = ui_rect(r.x + (k % cols) * (cw + g), r.y + (k / cols) * (rh + g), cw, rh);
		if (i >= n)
			break;
		if (tiles)
			ui_tile(u, W_ITEM0 + i, items[i].name, cell, items[i].label, items[i].icon,
				items[i].selected ? UI_SELECTED : UI_SECONDARY);
		else
			ui_button(u, W_ITEM0 + i, items[i].name, cell, items[i].label, items[i].icon,
				items[i].selected ? UI_SELECTED : UI_SECONDARY, true);
	}
}

bool kw_grid_page(struct kapp *a, int id)
{
	if (id == W_PAGE_UP) {
		if (a->page > 0)
			a->page--;
		return true;
	}
	if (id == W_PAGE_DOWN) {
		if (a->page + 1 < a->choice)
			a->page++;
		return true;
	}
	return false;
}

void kw_textview(struct kapp *a, SDL_Rect r, enum ui_font f, const char *text)
{
	struct ui *u = &a->ui;
	int lines = ui_wrap_lines(u, f, r.w, text);
	int fit = r.h / u->font_h[f];

	if (lines <= fit) {
		a->scroll = 0;
		ui_wrap(u, f, r, text, ui_ink, UI_LEFT, 0, true, NULL);
		return;
	}
	int sw = ui_mm(u, 14), g = gap(a), bh = ui_mm(u, 13);
	SDL_Rect tr = ui_rect(r.x, r.y, r.w - sw - g, r.h);
	lines = ui_wrap_lines(u, f, tr.w, text);
	fit = tr.h / u->font_h[f];
	if (a->scroll > lines - fit)
		a->scroll = lines - fit;
	if (a->scroll < 0)
		a->scroll = 0;
	a->choice = lines - fit; /* furthest scroll */
	ui_wrap(u, f, tr, text, ui_ink, UI_LEFT, a->scroll, false, NULL);
	ui_button(u, W_PAGE_UP, "page-up", ui_rect(r.x + r.w - sw, r.y, sw, bh), "", "up",
		UI_SECONDARY, a->scroll > 0);
	ui_button(u, W_PAGE_DOWN, "page-down", ui_rect(r.x + r.w - sw, r.y + r.h - bh, sw, bh),
		"", "down", UI_SECONDARY, a->scroll < lines - fit);
}

bool kw_textview_scroll(struct kapp *a, int id)
{
	int step = 4;

	if (id == W_PAGE_UP) {
		a->scroll = a->scroll > step ? a->scroll - step : 0;
		return true;
	}
	if (id == W_PAGE_DOWN) {
		a->scroll = a->scroll + step < a->choice ? a->scroll + step : a->choice;
		return true;
	}
	return false;
}

void kw_keyboard_screen(struct kapp *a, SDL_Rect c, const char *prompt,
	SDL_Rect *entry, SDL_Rect *keys)
{
	struct ui *u = &a->ui;
	int top = 2 * u->font_h[UI_F_SMALL], g = ui_mm(u, 1.2), eh = ui_mm(u, 10.5);
	int y = c.y, used = 0;

	if (a->verdict.n == 0) {
		ui_wrap(u, UI_F_BOLD, ui_rect(c.x, y, c.w, top), prompt, ui_ink, UI_LEFT, 0, true,
			NULL);
	} else {
		for (size_t i = 0; i < a->verdict.n; i++) {
			ui_wrap(u, UI_F_SMALL, ui_rect(c.x, y, c.w, c.y + top - y),
				jr_reason_message(a->verdict.reasons[i], (enum jr_lang)a->lang), ui_red,
				UI_LEFT, 0, true, &used);
			y += used;
		}
	}
	*entry = ui_rect(c.x, c.y + top + g, c.w, eh);
	*keys = ui_rect(c.x, entry->y + eh + g, c.w, c.y + c.h - entry->y - eh - g);
}
