/*
 * The printed receipt as a grayscale picture, `printer_dots` wide: the same
 * picture goes to the thermal printer and, as a PNG, to receipts_dir.
 *
 *   JARING / "Registration receipt"
 *   the QR (receipt text, 6 dots a module for version <= 8)
 *   the typed code, large
 *   masked name, date and time, kiosk id and block height
 *   what happens next
 */
#include <SDL_ttf.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "labels.h"
#include "receipt_img.h"
#include "util.h"

struct rfonts {
	TTF_Font *title, *body, *code;
};

static bool open_fonts(const char *dir, struct rfonts *f)
{
	char reg[1024], bold[1024];

	memset(f, 0, sizeof *f);
	if (!kpath(reg, sizeof reg, dir, "NotoSans-Regular.ttf") ||
	    !kpath(bold, sizeof bold, dir, "NotoSans-Bold.ttf"))
		return false;
	/* 203 dpi: 8 dots a millimetre. */
	f->title = TTF_OpenFont(bold, 30);
	f->body = TTF_OpenFont(reg, 22);
	f->code = TTF_OpenFont(bold, 40);
	return f->title && f->body && f->code;
}

static void close_fonts(struct rfonts *f)
{
	if (f->title) TTF_CloseFont(f->title);
	if (f->body) TTF_CloseFont(f->body);
	if (f->code) TTF_CloseFont(f->code);
}

/* Draws one line centred at row y (or just measures when img is NULL);
 * returns the line height. */
static int line(struct jr_image *img, TTF_Font *font, const char *s, int y)
{
	SDL_Color black = { 0, 0, 0, 255 };
	SDL_Surface *surf, *conv;
	int h = TTF_FontLineSkip(font);

	if (img == NULL || s[0] == '\0')
		return h;
	surf = TTF_RenderUTF8_Blended(font, s, black);
	if (surf == NULL)
		return h;
	conv = SDL_ConvertSurfaceFormat(surf, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_FreeSurface(surf);
	if (conv == NULL)
		return h;
	int x0 = (img->w - conv->w) / 2;
	for (int yy = 0; yy < conv->h && y + yy < img->h; yy++) {
		const uint32_t *row = (const uint32_t *)((const uint8_t *)conv->pixels +
			(size_t)yy * (size_t)conv->pitch);
		for (int xx = 0; xx < conv->w; xx++) {
			int x = x0 + xx;
			uint8_t alpha = (uint8_t)(row[xx] >> 24);
			if (x < 0 || x >= img->w || y + yy < 0)
				continue;
			uint8_t *d = &img->pix[(size_t)(y + yy) * (size_t)img->w + (size_t)x];
			uint8_t v = (uint8_t)(255 - alpha);
			if (v < *d)
				*d = v;
		}
	}
	SDL_FreeSurface(conv);
	return h;
}

static int wrapped(struct jr_image *img, TTF_Font *font, const char *s, int y, int w)
{
	char buf[512];
	int h = 0;
	const char *p = s;

	while (*p != '\0') {
		const char *next;
		size_t len = ui_break_line(font, p, w, &next);
		if (len >= sizeof buf)
			len = sizeof buf - 1;
		memcpy(buf, p, len);
		buf[len] = '\0';
		h += line(img, font, buf, y + h);
		if (next == p)
			break;
		p = next;
	}
	return h;
}

/* Lays the receipt out twice: once to measure, once to draw. */
static int layout(struct kapp *a, struct rfonts *f, const struct jr_image *qr,
	const struct jr_receipt *rc, const char *code, struct jr_image *img)
{
	char when[32], who[96], h[24];
	int y = 16, w = a->cfg.printer_dots - 16;

	y += line(img, f->title, "JARING", y);
	y += line(img, f->body, T("Registration receipt"), y);
	y += 8;
	if (img != NULL)
		for (int yy = 0; yy < qr->h && y + yy < img->h; yy++)
			for (int xx = 0; xx < qr->w; xx++) {
				int x = (img->w - qr->w) / 2 + xx;
				if (x >= 0 && x < img->w)
					img->pix[(size_t)(y + yy) * (size_t)img->w + (size_t)x] =
						qr->pix[(size_t)yy * (size_t)qr->w + (size_t)xx];
			}
	y += qr->h + 8;
	y += line(img, f->code, code, y);
	y += line(img, f->body, rc->masked_name, y);
	ktime_text(rc->time, when, sizeof when);
	y += line(img, f->body, when, y);
	jr_keyid_short(rc->kiosk_id, who);
	snprintf(h, sizeof h, "%llu", (unsigned long long)rc->height);
	{
		char k[96];
		kfmt(k, sizeof k, T("Kiosk {1}, block {2}"), who, h, NULL);
		y += line(img, f->body, k, y);
	}
	y += 12;
	y += wrapped(img, f->body, T("Keep this receipt. Come back after 30 days and choose "
		"\"Check status\" to see what was decided."), y, w);
	return y + 24;
}

int kreceipt_image(struct kapp *a, const struct jr_receipt *rc, const char *text,
	const char *code, struct jr_image *out, char *err, size_t errlen)
{
	struct jr_image qr = { 0 };
	struct jr_errbuf eb = { 0 };
	struct rfonts f;
	int version = 0, rc_err, height, scale;

	memset(out, 0, sizeof *out);
	if (!open_fonts(a->cfg.fonts_dir, &f)) {
		close_fonts(&f);
		kfmt(err, errlen, "cannot open the receipt fonts", NULL, NULL, NULL);
		return JR_EIO;
	}
	/* The largest whole scale that fits the roll, at most 6 dots. */
	rc_err = jr_qr_render(text, JR_QR_MAX_VERSION, 1, 4, &qr, &version, &eb);
	if (rc_err == JR_OK) {
		scale = (a->cfg.printer_dots - 16) / qr.w;
		scale = scale > 6 ? 6 : scale < 1 ? 1 : scale;
		jr_image_free(&qr);
		rc_err = jr_qr_render(text, JR_QR_MAX_VERSION, scale, 4, &qr, &version, &eb);
	}
	if (rc_err == JR_OK) {
		height = layout(a, &f, &qr, rc, code, NULL);
		rc_err = jr_image_new(a->cfg.printer_dots, height, 255, out);
	}
	if (rc_err == JR_OK)
		layout(a, &f, &qr, rc, code, out);
	else
		kfmt(err, errlen, "cannot draw the receipt: {1}", eb.msg[0] ? eb.msg :
			jr_strerror(rc_err), NULL, NULL);
	jr_image_free(&qr);
	close_fonts(&f);
	return rc_err;
}
