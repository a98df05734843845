#include <SDL_image.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

const SDL_Color ui_ink = { 17, 17, 17, 255 };
const SDL_Color ui_paper = { 255, 255, 255, 255 };
const SDL_Color ui_navy = { 10, 42, 102, 255 };
const SDL_Color ui_navy_hi = { 38, 86, 170, 255 };
const SDL_Color ui_red = { 160, 0, 0, 255 };
const SDL_Color ui_green = { 0, 98, 36, 255 };
const SDL_Color ui_grey = { 80, 80, 80, 255 };   /* 8.2:1 on white */
const SDL_Color ui_line = { 200, 205, 215, 255 };
const SDL_Color ui_yellow = { 255, 214, 0, 255 };
const SDL_Color ui_white = { 255, 255, 255, 255 };
const SDL_Color ui_black = { 0, 0, 0, 255 };

/* Font sizes in millimetres of em: body text is about 3 mm cap height. */
static const double font_mm[UI_F_COUNT] = { 3.3, 4.2, 4.2, 5.0, 7.0, 10.0 };
static const bool font_bold[UI_F_COUNT] = { false, false, true, true, true, true };

/* ---- text texture cache: rendering glyphs is the expensive part of a
 * software-rendered frame, and the same strings recur every frame. ---- */

#define TC_SLOTS 384

struct tc_entry {
	uint32_t hash;
	int font;
	SDL_Color c;
	char *s;
	SDL_Texture *t;
	int w, h;
	unsigned used;
};

struct ui_text_cache {
	struct tc_entry e[TC_SLOTS];
};

/* Line breaks of wrapped text, by (font, width, text): measuring words is
 * most of the cost of a text-heavy frame, and the texts do not change
 * between frames. */
#define WRAP_SLOTS 64
#define WRAP_MAX_LINES 48

struct wrap_entry {
	uint32_t hash;
	int font, w;
	char *s;
	int n;
	uint16_t off[WRAP_MAX_LINES], len[WRAP_MAX_LINES];
	unsigned used;
};

struct ui_wrap_cache {
	struct wrap_entry e[WRAP_SLOTS];
};

/* Icons: the PNG once (white on transparent), and textures already scaled
 * and tinted for each (size, colour) in use, so drawing one is a 1:1
 * blended copy; scaling with colour modulation on every frame is the
 * slowest path of SDL's software renderer. */
#define ICON_FILES 64
#define ICON_SLOTS 160

struct ui_icon_file {
	char name[32];
	SDL_Surface *s;  /* ARGB8888; NULL with loaded: file missing */
	bool loaded;
};

struct ui_icon_entry {
	int file;
	int size;
	SDL_Color c;
	SDL_Texture *t;
	unsigned used;
};

struct ui_icons {
	struct ui_icon_file f[ICON_FILES];
	struct ui_icon_entry e[ICON_SLOTS];
};

static uint32_t fnv(const char *s, int font, SDL_Color c)
{
	uint32_t h = 2166136261u ^ (uint32_t)font;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ c.r) * 16777619u;
	h = (h ^ c.g) * 16777619u;
	return (h ^ c.b) * 16777619u;
}

static void tc_drop(struct tc_entry *e)
{
	if (e->t != NULL)
		SDL_DestroyTexture(e->t);
	free(e->s);
	memset(e, 0, sizeof *e);
}

static struct tc_entry *tc_get(struct ui *u, enum ui_font f, const char *s,
	SDL_Color c)
{
	struct ui_text_cache *tc = u->cache;
	uint32_t h = fnv(s, (int)f, c);
	struct tc_entry *victim = &tc->e[0];
	SDL_Surface *surf;

	for (int i = 0; i < TC_SLOTS; i++) {
		struct tc_entry *e = &tc->e[i];
		if (e->s != NULL && e->hash == h && e->font == (int)f &&
		    e->c.r == c.r && e->c.g == c.g && e->c.b == c.b &&
		    strcmp(e->s, s) == 0) {
			e->used = u->frame;
			return e;
		}
		if (e->s == NULL || (victim->s != NULL && e->used < victim->used))
			victim = e;
	}
	tc_drop(victim);
	surf = TTF_RenderUTF8_Blended(u->font[f], s, c);
	if (surf == NULL)
		return NULL;
	victim->t = SDL_CreateTextureFromSurface(u->ren, surf);
	victim->w = surf->w;
	victim->h = surf->h;
	SDL_FreeSurface(surf);
	victim->s = strdup(s);
	if (victim->t == NULL || victim->s == NULL) {
		tc_drop(victim);
		return NULL;
	}
	victim->hash = h;
	victim->font = (int)f;
	victim->c = c;
	victim->used = u->frame;
	return victim;
}

bool ui_init(struct ui *u, SDL_Renderer *ren, int w, int h, double pxmm,
	const char *fonts_dir, const char *icons_dir, char *err, size_t errlen)
{
	char path[1024];

	memset(u, 0, sizeof *u);
	u->ren = ren;
	u->w = w;
	u->h = h;
	u->pxmm = pxmm;
	u->pressed_id = -1;
	kstrlcpy(u->icons_dir, icons_dir, sizeof u->icons_dir);
	u->cache = calloc(1, sizeof *u->cache);
	u->icons = calloc(1, sizeof *u->icons);
	u->wraps = calloc(1, sizeof *u->wraps);
	if (u->cache == NULL || u->icons == NULL || u->wraps == NULL)
		return false;
	for (int i = 0; i < UI_F_COUNT; i++) {
		const char *file = font_bold[i] ? "NotoSans-Bold.ttf" : "NotoSans-Regular.ttf";
		int pt = ui_mm(u, font_mm[i]);
		if (!kpath(path, sizeof path, fonts_dir, file) ||
		    (u->font[i] = TTF_OpenFont(path, pt)) == NULL) {
			kfmt(err, errlen, "cannot open the font {1}; install fonts-noto-core",
				path, NULL, NULL);
			return false;
		}
		u->font_h[i] = TTF_FontLineSkip(u->font[i]);
	}
	return true;
}

void ui_free(struct ui *u)
{
	if (u->cache != NULL)
		for (int i = 0; i < TC_SLOTS; i++)
			tc_drop(&u->cache->e[i]);
	if (u->icons != NULL) {
		for (int i = 0; i < ICON_SLOTS; i++)
			if (u->icons->e[i].t != NULL)
				SDL_DestroyTexture(u->icons->e[i].t);
		for (int i = 0; i < ICON_FILES; i++)
			if (u->icons->f[i].s != NULL)
				SDL_FreeSurface(u->icons->f[i].s);
	}
	for (int i = 0; i < UI_F_COUNT; i++)
		if (u->font[i] != NULL)
			TTF_CloseFont(u->font[i]);
	if (u->wraps != NULL)
		for (int i = 0; i < WRAP_SLOTS; i++)
			free(u->wraps->e[i].s);
	free(u->cache);
	free(u->icons);
	free(u->wraps);
	memset(u, 0, sizeof *u);
}

/* Textures of strings no frame has drawn for a while (typed prefixes, old
 * codes and times) are dropped, so memory stays flat however long the
 * kiosk runs: the cache holds what the recent screens show. */
#define TC_MAX_AGE 240

static void tc_age(struct ui *u)
{
	for (int i = 0; i < TC_SLOTS; i++) {
		struct tc_entry *e = &u->cache->e[i];
		if (e->s != NULL && u->frame - e->used > TC_MAX_AGE)
			tc_drop(e);
	}
}

void ui_begin(struct ui *u, bool render)
{
	u->render = render;
	u->n_widgets = 0;
	u->textlog_len = 0;
	u->textlog[0] = '\0';
	u->clipped = 0;
	u->clipped_what[0] = '\0';
	u->small_targets = 0;
	u->tile_font = UI_F_BOLD;
	u->frame++;
	if (render && u->frame % 64 == 0)
		tc_age(u);
	if (render) {
		SDL_SetRenderDrawColor(u->ren, ui_paper.r, ui_paper.g, ui_paper.b, 255);
		SDL_RenderClear(u->ren);
	}
}

int ui_mm(const struct ui *u, double mm)
{
	return (int)(mm * u->pxmm + 0.5);
}

SDL_Rect ui_rect(int x, int y, int w, int h)
{
	SDL_Rect r = { x, y, w, h };
	return r;
}

SDL_Rect ui_inset(SDL_Rect r, int m)
{
	return ui_rect(r.x + m, r.y + m, r.w - 2 * m, r.h - 2 * m);
}

void ui_fill(struct ui *u, SDL_Rect r, SDL_Color c)
{
	if (!u->render)
		return;
	SDL_SetRenderDrawColor(u->ren, c.r, c.g, c.b, c.a);
	SDL_RenderFillRect(u->ren, &r);
}

void ui_border(struct ui *u, SDL_Rect r, SDL_Color c, int t)
{
	ui_fill(u, ui_rect(r.x, r.y, r.w, t), c);
	ui_fill(u, ui_rect(r.x, r.y + r.h - t, r.w, t), c);
	ui_fill(u, ui_rect(r.x, r.y, t, r.h), c);
	ui_fill(u, ui_rect(r.x + r.w - t, r.y, t, r.h), c);
}

static int icon_file(struct ui *u, const char *name)
{
	struct ui_icon_file *f = NULL;
	char file[64], path[1024];
	SDL_Surface *raw;
	int i;

	for (i = 0; i < ICON_FILES; i++) {
		if (u->icons->f[i].loaded && strcmp(u->icons->f[i].name, name) == 0)
			return u->icons->f[i].s != NULL ? i : -1;
		if (!u->icons->f[i].loaded) {
			f = &u->icons->f[i];
			break;
		}
	}
	if (f == NULL)
		return -1;
	f->loaded = true;
	kstrlcpy(f->name, name, sizeof f->name);
	if (!kfmt(file, sizeof file, "{1}.png", name, NULL, NULL) ||
	    !kpath(path, sizeof path, u->icons_dir, file) || (raw = IMG_Load(path)) == NULL)
		return -1;
	f->s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_FreeSurface(raw);
	return f->s != NULL ? i : -1;
}

/* The icon scaled to side x side and tinted c. */
static SDL_Texture *icon_texture(struct ui *u, const char *name, int side, SDL_Color c)
{
	struct ui_icon_entry *victim = &u->icons->e[0];
	int file = icon_file(u, name);
	SDL_Surface *scaled;

	if (file < 0 || side <= 0)
		return NULL;
	for (int i = 0; i < ICON_SLOTS; i++) {
		struct ui_icon_entry *e = &u->icons->e[i];
		if (e->t != NULL && e->file == file && e->size == side && e->c.r == c.r &&
		    e->c.g == c.g && e->c.b == c.b) {
			e->used = u->frame;
			return e->t;
		}
		if (e->t == NULL || (victim->t != NULL && e->used < victim->used))
			victim = e;
	}
	if (victim->t != NULL)
		SDL_DestroyTexture(victim->t);
	memset(victim, 0, sizeof *victim);
	scaled = SDL_CreateRGBSurfaceWithFormat(0, side, side, 32, SDL_PIXELFORMAT_ARGB8888);
	if (scaled == NULL)
		return NULL;
	if (SDL_SoftStretchLinear(u->icons->f[file].s, NULL, scaled, NULL) != 0) {
		SDL_FreeSurface(scaled);
		return NULL;
	}
	for (int y = 0; y < side; y++) {
		uint32_t *row = (uint32_t *)((uint8_t *)scaled->pixels + (size_t)y * (size_t)scaled->pitch);
		for (int x = 0; x < side; x++)
			row[x] = (row[x] & 0xFF000000u) | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
	}
	victim->t = SDL_CreateTextureFromSurface(u->ren, scaled);
	SDL_FreeSurface(scaled);
	if (victim->t == NULL)
		return NULL;
	SDL_SetTextureBlendMode(victim->t, SDL_BLENDMODE_BLEND);
	victim->file = file;
	victim->size = side;
	victim->c = c;
	victim->used = u->frame;
	return victim->t;
}

void ui_icon(struct ui *u, const char *name, SDL_Rect r, SDL_Color c)
{
	SDL_Texture *t;
	int side = r.w < r.h ? r.w : r.h;
	SDL_Rect d = { r.x + (r.w - side) / 2, r.y + (r.h - side) / 2, side, side };

	if (!u->render || name == NULL)
		return;
	t = icon_texture(u, name, side, c);
	if (t != NULL)
		SDL_RenderCopy(u->ren, t, NULL, &d);
}

void ui_log_text(struct ui *u, const char *s)
{
	size_t len = strlen(s);

	if (u->textlog_len + len + 2 > sizeof u->textlog)
		return;
	memcpy(u->textlog + u->textlog_len, s, len);
	u->textlog_len += len;
	u->textlog[u->textlog_len++] = '\n';
	u->textlog[u->textlog_len] = '\0';
}

static void note_clip(struct ui *u, const char *s)
{
	if (u->clipped++ == 0)
		kstrlcpy(u->clipped_what, s, sizeof u->clipped_what);
}

void ui_measure(struct ui *u, enum ui_font f, const char *s, int *w, int *h)
{
	if (s[0] == '\0' || TTF_SizeUTF8(u->font[f], s, w, h) != 0) {
		*w = 0;
		*h = u->font_h[f];
	}
}

static void blit_text(struct ui *u, enum ui_font f, int x, int y, int maxw,
	const char *s, SDL_Color c)
{
	struct tc_entry *e;
	SDL_Rect src, dst;

	if (!u->render || s[0] == '\0')
		return;
	e = tc_get(u, f, s, c);
	if (e == NULL)
		return;
	src = ui_rect(0, 0, maxw > 0 && e->w > maxw ? maxw : e->w, e->h);
	dst = ui_rect(x, y, src.w, src.h);
	SDL_RenderCopy(u->ren, e->t, &src, &dst);
}

int ui_text(struct ui *u, enum ui_font f, int x, int y, int w, const char *s,
	SDL_Color c, enum ui_align a)
{
	int tw, th;

	ui_measure(u, f, s, &tw, &th);
	if (w > 0 && tw > w)
		note_clip(u, s);
	if (w > 0 && tw < w) {
		if (a == UI_CENTER)
			x += (w - tw) / 2;
		else if (a == UI_RIGHT)
			x += w - tw;
	}
	if (x < 0 || x + (w > 0 && tw > w ? w : tw) > u->w || y < 0 || y + th > u->h)
		note_clip(u, s);
	ui_log_text(u, s);
	blit_text(u, f, x, y, w, s, c);
	return u->font_h[f];
}

/* Length in bytes of the longest prefix of s (up to a space or the end)
 * that fits in w; breaks inside a word only when one word is wider than w.
 * *next gets where the next line starts. */
size_t ui_break_line(TTF_Font *font, const char *s, int w, const char **next)
{
	size_t best = 0, len = 0;
	const char *nl = strchr(s, '\n');
	size_t limit = nl ? (size_t)(nl - s) : strlen(s);
	char buf[512];
	int tw, th;

	if (limit >= sizeof buf)
		limit = sizeof buf - 1;
	for (;;) {
		size_t end = len;
		while (end < limit && s[end] == ' ')
			end++;
		while (end < limit && s[end] != ' ')
			end++;
		memcpy(buf, s, end);
		buf[end] = '\0';
		if (TTF_SizeUTF8(font, buf, &tw, &th) != 0)
			tw = 0;
		if (tw > w && best > 0)
			break;
		if (tw > w) {
			/* One word wider than the line: break it by code points. */
			size_t cut = 0;
			for (size_t i = 1; i <= end; i++) {
				if (i < end && ((unsigned char)s[i] & 0xC0) == 0x80)
					continue;
				memcpy(buf, s, i);
				buf[i] = '\0';
				if (TTF_SizeUTF8(font, buf, &tw, &th) != 0 || tw > w)
					break;
				cut = i;
			}
			best = cut > 0 ? cut : 1;
			*next = s + best;
			return best;
		}
		best = end;
		len = end;
		if (end >= limit)
			break;
	}
	*next = s + best;
	while (**next == ' ')
		(*next)++;
	if (**next == '\n')
		(*next)++;
	return best;
}

/* The line breaks of s at width w, from the cache or computed into it.
 * NULL when s has more lines than the cache holds (callers then break it
 * themselves). */
static const struct wrap_entry *wrap_breaks(struct ui *u, enum ui_font f, int w,
	const char *s)
{
	struct ui_wrap_cache *wc = u->wraps;
	uint32_t h = fnv(s, (int)f, ui_ink) ^ (uint32_t)w * 2654435761u;
	struct wrap_entry *victim = &wc->e[0], *e;
	const char *p = s;
	size_t slen = strlen(s);

	for (int i = 0; i < WRAP_SLOTS; i++) {
		e = &wc->e[i];
		if (e->s != NULL && e->hash == h && e->font == (int)f && e->w == w &&
		    strcmp(e->s, s) == 0) {
			e->used = u->frame;
			return e;
		}
		if (e->s == NULL || (victim->s != NULL && e->used < victim->used))
			victim = e;
	}
	if (slen > UINT16_MAX)
		return NULL;
	e = victim;
	free(e->s);
	memset(e, 0, sizeof *e);
	while (*p != '\0') {
		const char *next;
		size_t len = ui_break_line(u->font[f], p, w, &next);
		if (e->n == WRAP_MAX_LINES)
			return NULL;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		e->off[e->n] = (uint16_t)(p - s);
		e->len[e->n] = (uint16_t)(len < 511 ? len : 511);
		e->n++;
		if (next == p)
			break;
		p = next;
	}
	e->s = strdup(s);
	if (e->s == NULL)
		return NULL;
	e->hash = h;
	e->font = (int)f;
	e->w = w;
	e->used = u->frame;
	return e;
}

static int wrap_pass(struct ui *u, enum ui_font f, SDL_Rect box, const char *s,
	SDL_Color c, enum ui_align a, int first, bool draw, bool must_fit, int *used)
{
	char line[512];
	int n = 0, y = box.y, lh = u->font_h[f];
	bool cut = false;
	const struct wrap_entry *e = wrap_breaks(u, f, box.w, s);
	const char *p = s;

	*used = 0;
	while (e != NULL ? n < e->n : *p != '\0') {
		const char *next = p;
		size_t len;
		if (e != NULL) {
			len = e->len[n];
			memcpy(line, s + e->off[n], len);
		} else {
			len = ui_break_line(u->font[f], p, box.w, &next);
			if (len >= sizeof line)
				len = sizeof line - 1;
			memcpy(line, p, len);
			while (len > 0 && line[len - 1] == ' ')
				len--;
		}
		line[len] = '\0';
		if (draw && n >= first) {
			if (y + lh <= box.y + box.h) {
				ui_text(u, f, box.x, y, box.w, line, c, a);
				y += lh;
				*used = y - box.y;
			} else {
				cut = true;
			}
		}
		n++;
		if (e == NULL) {
			if (next == p)
				break;
			p = next;
		}
	}
	if (cut && must_fit)
		note_clip(u, s);
	/* Wrapped text is visible as a whole only when every line is drawn;
	 * then it is registered whole too, so it can be found across lines. */
	if (draw && first == 0 && !cut && n > 1)
		ui_log_text(u, s);
	return n;
}

int ui_wrap(struct ui *u, enum ui_font f, SDL_Rect box, const char *s,
	SDL_Color c, enum ui_align a, int first, bool must_fit, int *used)
{
	int dummy;

	return wrap_pass(u, f, box, s, c, a, first, true, must_fit,
		used ? used : &dummy);
}

int ui_wrap_lines(struct ui *u, enum ui_font f, int w, const char *s)
{
	int used;
	SDL_Rect box = { 0, 0, w, 0 };

	return wrap_pass(u, f, box, s, ui_ink, UI_LEFT, 0, false, false, &used);
}

static void style_colors(enum ui_style st, bool enabled, bool pressed,
	SDL_Color *bg, SDL_Color *fg, SDL_Color *edge)
{
	*edge = ui_navy;
	switch (st) {
	case UI_PRIMARY:
	case UI_SELECTED:
		*bg = pressed ? ui_navy_hi : ui_navy;
		*fg = ui_white;
		break;
	case UI_DANGER:
		*bg = pressed ? (SDL_Color){ 200, 40, 40, 255 } : ui_red;
		*fg = ui_white;
		*edge = ui_red;
		break;
	case UI_KEY:
		*bg = pressed ? ui_navy_hi : (SDL_Color){ 232, 236, 244, 255 };
		*fg = pressed ? ui_white : ui_ink;
		break;
	case UI_PLAIN:
	case UI_SECONDARY:
	default:
		*bg = pressed ? (SDL_Color){ 220, 228, 245, 255 } : ui_paper;
		*fg = ui_navy;
		break;
	}
	if (!enabled) {
		*bg = (SDL_Color){ 235, 235, 235, 255 };
		*fg = ui_grey;
		*edge = ui_grey;
	}
}

static struct ui_widget *add_widget(struct ui *u, int id, const char *name,
	SDL_Rect r, const char *label, bool enabled)
{
	struct ui_widget *w;

	if (u->n_widgets >= UI_MAX_WIDGETS)
		return NULL;
	w = &u->widgets[u->n_widgets++];
	w->id = id;
	w->r = r;
	w->enabled = enabled;
	kstrlcpy(w->name, name, sizeof w->name);
	kstrlcpy(w->label, label ? label : "", sizeof w->label);
	if (r.w < ui_mm(u, UI_MIN_TARGET_MM) || r.h < ui_mm(u, UI_MIN_TARGET_MM))
		u->small_targets++;
	return w;
}

/* Draws label (one or two lines, shrinking the font if needed) centred in
 * r, or left-aligned after an icon when icon is set. */
static void button_label(struct ui *u, SDL_Rect r, const char *label,
	const char *icon, SDL_Color fg, enum ui_style st)
{
	enum ui_font fonts[3] = { st == UI_KEY && label != NULL && kutf8_len(label) == 1 ?
		UI_F_BIG : UI_F_BOLD, UI_F_BOLD, UI_F_SMALL };
	int pad = ui_mm(u, 1.5), isz = 0;
	SDL_Rect tr;

	if (icon != NULL) {
		isz = r.h - 2 * pad;
		if (isz > ui_mm(u, 9))
			isz = ui_mm(u, 9);
		if (label == NULL || label[0] == '\0') {
			ui_icon(u, icon, ui_rect(r.x + (r.w - isz) / 2, r.y + (r.h - isz) / 2, isz, isz), fg);
			return;
		}
		ui_icon(u, icon, ui_rect(r.x + pad * 2, r.y + (r.h - isz) / 2, isz, isz), fg);
		tr = ui_rect(r.x + pad * 3 + isz, r.y, r.w - pad * 4 - isz, r.h);
	} else {
		tr = ui_inset(r, pad);
	}
	if (label == NULL || label[0] == '\0')
		return;
	for (int i = 0; i < 3; i++) {
		int lines = ui_wrap_lines(u, fonts[i], tr.w, label);
		int hgt = lines * u->font_h[fonts[i]];
		if (hgt <= tr.h || i == 2) {
			SDL_Rect box = ui_rect(tr.x, tr.y + (tr.h - hgt) / 2, tr.w, hgt);
			ui_wrap(u, fonts[i], box, label, fg,
				icon != NULL ? UI_LEFT : UI_CENTER, 0, true, NULL);
			return;
		}
	}
}

void ui_button(struct ui *u, int id, const char *name, SDL_Rect r,
	const char *label, const char *icon, enum ui_style st, bool enabled)
{
	SDL_Color bg, fg, edge;
	bool pressed = enabled && u->pressed_id == id;

	add_widget(u, id, name, r, label, enabled);
	style_colors(st, enabled, pressed, &bg, &fg, &edge);
	ui_fill(u, r, bg);
	if (st != UI_PLAIN)
		ui_border(u, r, edge, st == UI_KEY ? 1 : 2);
	if (st == UI_SELECTED)
		ui_border(u, ui_inset(r, 3), ui_yellow, 3);
	button_label(u, r, label, icon, fg, st);
}

void ui_tile(struct ui *u, int id, const char *name, SDL_Rect r,
	const char *label, const char *icon, enum ui_style st)
{
	SDL_Color bg, fg, edge;
	bool pressed = u->pressed_id == id;
	int pad = ui_mm(u, 1.2);
	int lines, isz, fh;
	enum ui_font f = u->tile_font;

	add_widget(u, id, name, r, label, true);
	style_colors(st, true, pressed, &bg, &fg, &edge);
	ui_fill(u, r, bg);
	ui_border(u, r, edge, 2);
	if (st == UI_SELECTED)
		ui_border(u, ui_inset(r, 3), ui_yellow, 3);
	/* The icon carries the meaning for people who read little: keep it at
	 * least half the tile, and shrink the words before the picture. */
	lines = ui_wrap_lines(u, f, r.w - 2 * pad, label);
	if (lines * u->font_h[f] > r.h / 2 - pad) {
		f = UI_F_SMALL;
		lines = ui_wrap_lines(u, f, r.w - 2 * pad, label);
	}
	fh = lines * u->font_h[f];
	isz = r.h - fh - 3 * pad;
	if (isz > r.w - 2 * pad)
		isz = r.w - 2 * pad;
	if (isz > 0)
		ui_icon(u, icon, ui_rect(r.x + (r.w - isz) / 2, r.y + pad, isz, isz), fg);
	ui_wrap(u, f, ui_rect(r.x + pad, r.y + r.h - fh - pad, r.w - 2 * pad, fh),
		label, fg, UI_CENTER, 0, true, NULL);
}

const struct ui_widget *ui_hit(const struct ui *u, int x, int y)
{
	SDL_Point p = { x, y };

	/* Last drawn is on top (overlays such as the idle warning). */
	for (int i = u->n_widgets - 1; i >= 0; i--)
		if (SDL_PointInRect(&p, &u->widgets[i].r))
			return &u->widgets[i];
	return NULL;
}

const struct ui_widget *ui_find_id(const struct ui *u, int id)
{
	for (int i = 0; i < u->n_widgets; i++)
		if (u->widgets[i].id == id)
			return &u->widgets[i];
	return NULL;
}
