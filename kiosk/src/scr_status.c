/*
 * "Cek status": scan the receipt (camera) or type its code; the result
 * screen shows the status from the latest downstream data and the date
 * that data dates from; unknown, foreign and forged receipts get a clear
 * message. A registration returned for correction can be corrected from
 * here.
 */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "camera.h"
#include "labels.h"
#include "log.h"
#include "screens.h"
#include "util.h"
#include "widgets.h"

enum { W_SCAN = W_OWN, W_TYPE, W_CORRECT, W_AGAIN };

/* ---- menu ---- */

static void do_scan(struct kapp *a)
{
	char text[1024], detail[256];
	enum kcam_result r = kcamera_scan(a->cfg.camera, 10000, text, sizeof text, detail,
		sizeof detail);

	memset(&a->sv, 0, sizeof a->sv);
	if (r == KCAM_ERROR)
		a->sv.outcome = KSO_CAMERA_ERROR;
	else if (r == KCAM_NO_QR)
		a->sv.outcome = KSO_NO_QR;
	else
		a->sv.outcome = (int)kbackend_check_text(&a->be, text, &a->sv.receipt, &a->sv.st,
			a->sv.other_kiosk);
	if (a->sv.outcome == KSO_OWN || a->sv.outcome == KSO_FOREIGN_KNOWN)
		jr_receipt_code(a->sv.receipt.regid, a->sv.code);
	sodium_memzero(text, sizeof text);
	app_goto(a, SCR_STATUS_RESULT);
}

static void menu_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE)
		app_reset(a);
	if (ev->type != KEV_TAP)
		return;
	if (ev->id == W_SCAN && a->cfg.camera[0] != '\0') {
		a->choice = 1; /* "hold the receipt..." while scanning */
		app_defer(a, do_scan);
	} else if (ev->id == W_TYPE) {
		app_goto(a, SCR_STATUS_CODE);
	} else if (ev->id == W_BACK) {
		app_reset(a);
	}
}

static void menu_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Check status"), "status", FRAME_BACK, NULL);
	int g = ui_mm(u, 3), bh = ui_mm(u, 24), used = 0;
	bool cam = a->cfg.camera[0] != '\0';
	int bw = cam ? (c.w - g) / 2 : c.w;

	ui_wrap(u, UI_F_BODY, c, T("Show the receipt you got when you registered, or type the "
		"code printed on it."), ui_ink, UI_LEFT, 0, true, &used);
	int y = c.y + used + g;
	if (cam)
		ui_button(u, W_SCAN, "scan", ui_rect(c.x, y, bw, bh), T("Scan my receipt"),
			"camera", UI_PRIMARY, true);
	ui_button(u, W_TYPE, "type-code", ui_rect(cam ? c.x + bw + g : c.x, y, bw, bh),
		T("Type the code"), "keyboard", UI_PRIMARY, true);
	y += bh + g;
	if (a->choice == 1)
		ui_wrap(u, UI_F_BOLD, ui_rect(c.x, y, c.w, c.y + c.h - y), T("Hold the QR code of "
			"your receipt in front of the camera, flat and still..."), ui_navy, UI_LEFT, 0,
			true, NULL);
}

/* ---- typed code ---- */

void kscreen_status_code(struct kapp *a, const char *code)
{
	memset(&a->sv, 0, sizeof a->sv);
	a->sv.outcome = (int)kbackend_check_code(&a->be, code, &a->sv.receipt, &a->sv.st);
	if (a->sv.outcome == KSO_OWN)
		jr_receipt_code(a->sv.receipt.regid, a->sv.code);
	app_goto(a, SCR_STATUS_RESULT);
}

static void code_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_TEXT) {
		for (const char *p = ev->text; *p != '\0'; p++)
			if (strlen(a->entry) < JR_CODE_LEN && *p != '-' && *p != ' ') {
				char s[2] = { (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p), '\0' };
				kstrlcat(a->entry, s, sizeof a->entry);
			}
		return;
	}
	if (ev->type == KEV_KEY) {
		if (ev->key == SDLK_BACKSPACE)
			kutf8_pop(a->entry);
		else if (ev->key == SDLK_RETURN)
			kscreen_status_code(a, a->entry);
		else if (ev->key == SDLK_ESCAPE)
			app_goto(a, SCR_STATUS_MENU);
		return;
	}
	if (ev->type != KEV_TAP || kw_keyboard_tap(&kw_code_layout, ev->id, a->entry, JR_CODE_LEN))
		return;
	if (ev->id == W_NEXT)
		kscreen_status_code(a, a->entry);
	else if (ev->id == W_BACK)
		app_goto(a, SCR_STATUS_MENU);
}

static void code_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Type the code"), "keyboard", FRAME_BACK | FRAME_NEXT,
		T("Check"));
	char shown[16];
	SDL_Rect entry, keys;
	size_t len = strlen(a->entry);

	kw_keyboard_screen(a, c, T("The 10 letters and numbers under the QR code."), &entry, &keys);
	memcpy(shown, a->entry, len < 5 ? len : 5);
	shown[len < 5 ? len : 5] = '\0';
	if (len > 5) {
		kstrlcat(shown, "-", sizeof shown);
		kstrlcat(shown, a->entry + 5, sizeof shown);
	}
	kw_entry(a, entry, shown, "_____-_____");
	kw_keyboard(a, keys, &kw_code_layout);
	(void)u;
}

/* ---- result ---- */

static const char *state_text(struct kapp *a, char *buf, size_t n)
{
	const struct kstatus *st = &a->sv.st;
	char x[16], y[16], z[16];

	switch (st->state) {
	case KST_RECEIVED:
		return T("Received by the verification team; being checked.");
	case KST_RETURNED:
		return T("Returned for correction:");
	case KST_IN_REVIEW:
		snprintf(x, sizeof x, "%u", st->approvals);
		snprintf(y, sizeof y, "%u", st->agencies);
		kfmt(buf, n, T("Being reviewed: approved by {1} of {2} agencies."), x, y, NULL);
		return buf;
	case KST_APPROVED:
		snprintf(y, sizeof y, "%u", st->agencies);
		kfmt(buf, n, T("Approved by all {1} agencies; waiting for the regional head's "
			"decree."), y, NULL, NULL);
		return buf;
	case KST_DECREED:
		kfmt(buf, n, T("Included in decree number {1}."), st->decree, NULL, NULL);
		return buf;
	case KST_PROTECTED:
		kdate_text(st->protected_from, x, sizeof x);
		kdate_text(st->protected_to, y, sizeof y);
		kmonth_text(st->paid_through, z, sizeof z);
		kfmt(buf, n, T("Protected from {1} to {2}. Contributions paid through {3}."), x, y, z);
		return buf;
	case KST_REJECTED:
		return T("Cannot be accepted:");
	case KST_HELD:
		return T("On hold: the programme is checking this kiosk's records. Nothing is "
			"needed from you; ask the field officer for news.");
	default:
		return T("Registered at this kiosk. There is no news from the verification team "
			"yet: the officer brings it on the next visit.");
	}
}

static const char *outcome_text(struct kapp *a, char *buf, size_t n)
{
	switch (a->sv.outcome) {
	case KSO_FOREIGN_KNOWN:
		kfmt(buf, n, T("This receipt is genuine. It was issued by kiosk {1}: its status "
			"can be checked there."), a->sv.other_kiosk, NULL, NULL);
		return buf;
	case KSO_FOREIGN_UNKNOWN:
		kfmt(buf, n, T("This receipt is from another kiosk ({1}). This kiosk cannot check "
			"it. Please check the status at that kiosk."), a->sv.other_kiosk, NULL, NULL);
		return buf;
	case KSO_FORGED:
		return T("This receipt is NOT genuine: its signature does not match. If you "
			"registered here, type the code from your receipt, or ask the field officer.");
	case KSO_NOT_RECEIPT:
		return T("This QR code is not a Jaring receipt.");
	case KSO_NO_QR:
		return T("No QR code could be read. Hold the receipt flat and still, or type "
			"the code.");
	case KSO_CODE_INVALID:
		return T("This code is not valid. Check each letter and number and type it again.");
	case KSO_CODE_UNKNOWN:
		return T("No registration with this code was made at this kiosk. Check the code, "
			"or check at the kiosk where you registered.");
	case KSO_CODE_AMBIGUOUS:
		if (a->cfg.camera[0] == '\0') {
			kfmt(buf, n, "{1} {2}", T("This code belongs to more than one "
				"registration, so the kiosk cannot tell which one is yours. "
				"Please scan the QR code on your receipt instead: it names "
				"your registration exactly."), T("This kiosk has no camera: "
				"please ask the field officer to check your receipt."), NULL);
			return buf;
		}
		return T("This code belongs to more than one registration, so the kiosk cannot "
			"tell which one is yours. Please scan the QR code on your receipt instead: it "
			"names your registration exactly.");
	case KSO_CAMERA_ERROR:
		return T("The camera is not working. Please type the code instead.");
	default:
		return "";
	}
}

static uint32_t fixable_fields(const struct kstatus *st)
{
	uint32_t f = 0;

	for (size_t i = 0; i < st->n_reasons; i++) {
		enum kfield k = form_reason_field(st->reasons[i]);
		if (k != KF_COUNT && st->reasons[i] != JR_R_ALREADY_REGISTERED)
			f |= KF_BIT(k);
	}
	return f;
}

/* Starts a correction. Everything the worker typed was sealed to the
 * consortium (the record keeps only the kiosk id readable), so this kiosk
 * cannot read any of it back: the correction asks for every field again.
 * The original must still be one of this kiosk's records. */
static void start_correction(struct kapp *a)
{
	struct jr_registration orig;
	struct kform *f = &a->form;

	if (kbackend_original(&a->be, a->sv.receipt.height, a->sv.receipt.regid, &orig) != JR_OK) {
		kstrlcpy(a->msg, T("The original registration is not in this kiosk's records. "
			"Please ask the field officer."), sizeof a->msg);
		a->msg_is_error = true;
		return;
	}
	jr_registration_wipe(&orig);
	form_wipe(f);
	f->consent = true;
	f->correcting = true;
	memcpy(f->corrects, a->sv.receipt.regid, JR_REGID_BYTES);
	f->fix_fields = fixable_fields(&a->sv.st);
	f->ask_fields = KF_BIT(KF_COUNT) - 1u;
	klog("correction started: height %llu, fields 0x%x",
		(unsigned long long)a->sv.receipt.height, f->fix_fields);
	app_goto(a, SCR_NIK);
}

static void result_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE)
		app_reset(a);
	if (ev->type != KEV_TAP)
		return;
	if (ev->id == W_CORRECT && a->sv.outcome == KSO_OWN && a->sv.st.state == KST_RETURNED)
		start_correction(a);
	else if (ev->id == W_SCAN && a->sv.outcome == KSO_CODE_AMBIGUOUS &&
	    a->cfg.camera[0] != '\0')
		app_defer(a, do_scan);
	else if (ev->id == W_AGAIN)
		app_goto(a, SCR_STATUS_MENU);
	else if (ev->id == W_HOME || ev->id == W_BACK)
		app_reset(a);
}

static void result_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	bool own = a->sv.outcome == KSO_OWN;
	bool ambiguous = a->sv.outcome == KSO_CODE_AMBIGUOUS;
	SDL_Rect c = app_frame(a, own ? T("Your status") : ambiguous ?
		T("Please scan your receipt") : T("Receipt not recognised"),
		own ? "status" : ambiguous ? "camera" : "warning", FRAME_HOME, NULL);
	int y = c.y, used = 0, g = ui_mm(u, 1.5), bh = ui_mm(u, 11);
	char buf[KMSG_MAX], when[32], asof[16];

	if (!own) {
		/* Ambiguous: nothing of either registration is on the page, and
		 * the way on is the QR, which names one exactly. */
		bool scan = ambiguous && a->cfg.camera[0] != '\0';
		ui_wrap(u, UI_F_BOLD, ui_rect(c.x, y, c.w, c.h - bh - g), outcome_text(a, buf,
			sizeof buf), a->sv.outcome == KSO_FOREIGN_KNOWN || ambiguous ? ui_ink :
			ui_red, UI_LEFT, 0, true, &used);
		ui_button(u, scan ? W_SCAN : W_AGAIN, scan ? "scan" : "again",
			ui_rect(c.x + c.w - ui_mm(u, 60), c.y + c.h - bh, ui_mm(u, 60), bh),
			scan ? T("Scan my receipt") : T("Try again"), scan ? "camera" : "status",
			UI_PRIMARY, true);
		return;
	}
	ktime_text(a->sv.receipt.time, when, sizeof when);
	kfmt(buf, sizeof buf, "{1}   {2}   {3}", a->sv.code, a->sv.receipt.masked_name, when);
	y += ui_text(u, UI_F_BOLD, c.x, y, c.w, buf, ui_navy, UI_LEFT);
	ui_wrap(u, UI_F_BOLD, ui_rect(c.x, y, c.w, c.y + c.h - y), state_text(a, buf, sizeof buf),
		a->sv.st.state == KST_RETURNED || a->sv.st.state == KST_REJECTED ? ui_red : ui_green,
		UI_LEFT, 0, true, &used);
	y += used;
	for (size_t i = 0; i < a->sv.st.n_reasons; i++) {
		ui_wrap(u, UI_F_BODY, ui_rect(c.x + ui_mm(u, 4), y, c.w - ui_mm(u, 4), c.y + c.h - y),
			jr_reason_message(a->sv.st.reasons[i], (enum jr_lang)a->lang), ui_ink, UI_LEFT,
			0, true, &used);
		y += used;
	}
	if (a->sv.st.as_of != 0) {
		kdate_text(a->sv.st.as_of, asof, sizeof asof);
		kfmt(buf, sizeof buf, T("This information dates from {1}."), asof, NULL, NULL);
	} else {
		kstrlcpy(buf, T("This kiosk has not yet received any news from the verification "
			"team."), sizeof buf);
	}
	y += g;
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.y + c.h - y), buf, ui_grey, UI_LEFT, 0,
		true, &used);
	y += used + g;
	if (a->msg[0] != '\0') /* last on the page: its height is not needed */
		(void)app_draw_messages(a, ui_rect(c.x, y, c.w, c.y + c.h - y));
	if (a->sv.st.state == KST_RETURNED && fixable_fields(&a->sv.st) != 0)
		ui_button(u, W_CORRECT, "correct", ui_rect(c.x + c.w - ui_mm(u, 70), c.y + c.h - bh,
			ui_mm(u, 70), bh), T("Correct my data"), "edit", UI_PRIMARY, true);
}

const struct kscreen_ops kscr_status_menu = { "status-menu", NULL, menu_handle, menu_draw };
const struct kscreen_ops kscr_status_code = { "status-code", NULL, code_handle, code_draw };
const struct kscreen_ops kscr_status_result = { "status-result", NULL, result_handle,
	result_draw };
