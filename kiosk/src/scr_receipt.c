/*
 * The receipt screen: shown only after the registration is committed to the
 * shard. The QR large, the typed code, what happens next; the receipt is
 * printed (and saved as a PNG) right after the screen first shows, and
 * "Print again" reprints the shard's last receipt, so a missing or empty
 * printer never loses anything.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "log.h"
#include "printer.h"
#include "receipt_img.h"
#include "screens.h"
#include "util.h"
#include "widgets.h"

static void make_qr_texture(struct kapp *a)
{
	struct jr_image img = { 0 };
	int version = 0;
	uint32_t *px;

	if (a->rv.qr != NULL)
		SDL_DestroyTexture(a->rv.qr);
	a->rv.qr = NULL;
	if (jr_qr_render(a->rv.text, JR_QR_MAX_VERSION, 1, 4, &img, &version, NULL) != JR_OK)
		return;
	px = calloc((size_t)img.w * (size_t)img.h, sizeof *px);
	a->rv.qr = px ? SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_ARGB8888,
		SDL_TEXTUREACCESS_STATIC, img.w, img.h) : NULL;
	if (a->rv.qr != NULL) {
		for (size_t i = 0; i < (size_t)img.w * (size_t)img.h; i++)
			px[i] = 0xFF000000u | (uint32_t)img.pix[i] * 0x010101u;
		SDL_UpdateTexture(a->rv.qr, NULL, px, img.w * 4);
		SDL_SetTextureScaleMode(a->rv.qr, SDL_ScaleModeNearest);
		a->rv.qr_modules = img.w;
	}
	free(px);
	jr_image_free(&img);
}

static void print_now(struct kapp *a);

void kscreen_receipt_show(struct kapp *a, const struct jr_issued *is)
{
	a->rv.valid = true;
	a->rv.receipt = is->receipt;
	kstrlcpy(a->rv.code, is->code, sizeof a->rv.code);
	kstrlcpy(a->rv.text, is->text, sizeof a->rv.text);
	a->rv.print_state = KPRINT_IDLE;
	a->rv.print_detail[0] = '\0';
	make_qr_texture(a);
	app_goto(a, SCR_RECEIPT);
	app_defer(a, print_now);
}

/* The receipt as printed, in receipts_dir/receipt-<height>.png, mode 0600
 * (jr_png_write). The name carries the height only: the typed code on the
 * paper is what a worker uses to check their status, so it stays out of
 * directory listings. A reprint replaces the file atomically. */
static void save_png(struct kapp *a, const struct jr_image *img)
{
	char file[96], h[24];
	struct jr_errbuf eb = { 0 };

	a->rv.png_path[0] = '\0';
	if (a->cfg.receipts_dir[0] == '\0' || !kmkdirs(a->cfg.receipts_dir))
		return;
	snprintf(h, sizeof h, "%06llu", (unsigned long long)a->rv.receipt.height);
	kfmt(file, sizeof file, "receipt-{1}.png", h, NULL, NULL);
	if (!kpath(a->rv.png_path, sizeof a->rv.png_path, a->cfg.receipts_dir, file) ||
	    jr_png_write(img, a->rv.png_path, &eb) != JR_OK) {
		klog("receipt png not written: %s", jr_strerror(eb.code));
		a->rv.png_path[0] = '\0';
	}
}

static void print_now(struct kapp *a)
{
	struct jr_image img = { 0 };
	char err[256];

	if (kreceipt_image(a, &a->rv.receipt, a->rv.text, a->rv.code, &img, err,
		sizeof err) != JR_OK) {
		a->rv.print_state = KPRINT_FAILED;
		kstrlcpy(a->rv.print_detail, err, sizeof a->rv.print_detail);
		return;
	}
	save_png(a, &img);
	a->rv.print_state = (int)kprint(a->cfg.printer, &img, a->cfg.printer_dots,
		a->rv.print_detail, sizeof a->rv.print_detail);
	klog("receipt of height %llu: print state %d",
		(unsigned long long)a->rv.receipt.height, a->rv.print_state);
	jr_image_free(&img);
}

void kscreen_print_last(struct kapp *a)
{
	struct jr_receipt rc;
	char text[JR_RECEIPT_TEXT_MAX + 1];

	if (kbackend_last_receipt(&a->be, &rc, text) != JR_OK) {
		a->rv.print_state = KPRINT_FAILED;
		kstrlcpy(a->rv.print_detail, "no receipt in the shard", sizeof a->rv.print_detail);
		return;
	}
	a->rv.receipt = rc;
	kstrlcpy(a->rv.text, text, sizeof a->rv.text);
	jr_receipt_code(rc.regid, a->rv.code);
	print_now(a);
}

static void receipt_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type != KEV_TAP)
		return;
	if (ev->id == W_NEXT) {
		kscreen_print_last(a);
	} else if (ev->id == W_HOME) {
		app_reset(a);
	}
}

const char *kscreen_print_message(struct kapp *a, bool *error)
{
	*error = true;
	switch (a->rv.print_state) {
	case KPRINT_OK:
		*error = false;
		return T("Your receipt is printed. Keep it safe.");
	case KPRINT_NOT_CONFIGURED:
		*error = false;
		return T("This kiosk has no printer. Write down the code above.");
	case KPRINT_MISSING:
		return T("The printer is not connected or is switched off. Your registration is "
			"saved. Ask the officer to check the printer and press Print again, or write "
			"down the code.");
	case KPRINT_NO_PAPER:
		return T("The printer is out of paper. Your registration is saved. Put in paper "
			"and press Print again, or write down the code.");
	case KPRINT_FAILED:
		return T("The printer did not print. Your registration is saved. Press Print "
			"again, or write down the code.");
	default:
		*error = false;
		return T("Printing your receipt...");
	}
}

static void receipt_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("You are registered"), "check", FRAME_HOME | FRAME_NEXT,
		T("Print again"));
	int g = ui_mm(u, 3), side = c.h, y = c.y, used = 0;
	char when[32];
	bool err;

	if (side > c.w * 2 / 5)
		side = c.w * 2 / 5;
	if (a->rv.qr != NULL && a->rv.qr_modules > 0) {
		int s = side / a->rv.qr_modules * a->rv.qr_modules;
		SDL_Rect q = ui_rect(c.x, c.y + (c.h - s) / 2, s, s);
		if (u->render)
			SDL_RenderCopy(u->ren, a->rv.qr, NULL, &q);
		ui_border(u, ui_inset(q, -2), ui_line, 2);
		side = s;
	}
	SDL_Rect r = ui_rect(c.x + side + g, c.y, c.w - side - g, c.h);
	y += ui_text(u, UI_F_SMALL, r.x, y, r.w, T("Your code"), ui_grey, UI_LEFT);
	y += ui_text(u, UI_F_HUGE, r.x, y, r.w, a->rv.code, ui_navy, UI_LEFT);
	ktime_text(a->rv.receipt.time, when, sizeof when);
	ui_text(u, UI_F_BOLD, r.x, y, r.w / 2, a->rv.receipt.masked_name, ui_ink, UI_LEFT);
	y += ui_text(u, UI_F_BODY, r.x + r.w / 2, y, r.w / 2, when, ui_ink, UI_RIGHT);
	ui_wrap(u, UI_F_SMALL, ui_rect(r.x, y, r.w, c.y + c.h - y), T("What happens next: the "
		"verification team checks your data. Come back after 30 days with this receipt or "
		"your code and choose \"Check status\"."), ui_ink, UI_LEFT, 0, true, &used);
	y += used + ui_mm(u, 1);
	const char *pm = kscreen_print_message(a, &err);
	ui_icon(u, err ? "warning" : "print", ui_rect(r.x, y, ui_mm(u, 5), ui_mm(u, 5)),
		err ? ui_red : ui_green);
	ui_wrap(u, UI_F_SMALL, ui_rect(r.x + ui_mm(u, 6), y, r.w - ui_mm(u, 6), c.y + c.h - y),
		pm, err ? ui_red : ui_green, UI_LEFT, 0, true, NULL);
}

const struct kscreen_ops kscr_receipt = { "receipt", NULL, receipt_handle, receipt_draw };
