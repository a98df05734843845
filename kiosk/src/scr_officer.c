/*
 * Officer mode and first-run setup.
 *
 * The officer opens the menu with the PIN of the officer key on their sync
 * drive (jr_key_load_pin), and only if the roster this kiosk trusts names
 * that key as an officer with the sync permission for this village, not
 * revoked (kbackend_officer_open). Wrong PINs are counted in the store and
 * lock the screen after KPIN_FREE_TRIES (backend.h). The menu shows the
 * kiosk's counts, runs the sync (scr_sync.c) and can reprint the last
 * receipt.
 */
#include <sodium.h>
#include <string.h>

#include "labels.h"
#include "log.h"
#include "screens.h"
#include "util.h"
#include "widgets.h"
#include "jaring/region.h"

enum { W_START = W_OWN, W_REPRINT, W_EXIT, W_SYNC };

/* The consortium key this kiosk pinned, as people compare it with the
 * signed roster (the whole key id, never the short id). */
static void consortium_line(struct kapp *a, char *buf, size_t n)
{
	if (a->be.consortium_fp[0] == '\0')
		kstrlcpy(buf, T("Consortium key: none yet."), n);
	else
		kfmt(buf, n, T("Consortium key fingerprint: {1}"), a->be.consortium_fp,
			NULL, NULL);
}

/* What guards this kiosk against a restored copy of its disk. */
static const char *tpm_line(struct kapp *a)
{
	return a->be.tpm ?
		T("TPM 2.0: the kiosk key is sealed to it, and its counter refuses a restored copy of the disk.") :
		T("No TPM: only the counter file and the centre's acknowledged head guard against a restored copy of the disk.");
}

/* ---- setup (first run, or a kiosk that cannot start) ---- */

static void setup_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_TAP && ev->id == W_START && a->be.shard != NULL)
		app_reset(a);
}

static void setup_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Kiosk setup"), "officer", 0, NULL);
	const struct jr_region *v = jr_region_find(a->be.village);
	char buf[KMSG_MAX];
	int used = 0, y = c.y, bh = ui_mm(u, 12);

	if (a->be.shard == NULL) {
		y += ui_text(u, UI_F_TITLE, c.x, y, c.w, T("This kiosk cannot start"), ui_red, UI_LEFT);
		ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.y + c.h - y), a->not_ready, ui_ink,
			UI_LEFT, 0, true, NULL);
		return;
	}
	kfmt(buf, sizeof buf, T("This kiosk is set up. Kiosk {1}, village {2}."),
		a->be.kiosk_short, v ? v->name : a->cfg.village, NULL);
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.h / 2), buf, ui_ink, UI_LEFT, 0, true, &used);
	y += used;
	consortium_line(a, buf, sizeof buf);
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.h / 4), buf, ui_ink, UI_LEFT, 0, true, &used);
	y += used;
	if (a->msg[0] != '\0') {
		/* the village binding from the officer's drive (app.c) */
		ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.h / 4), a->msg,
			a->msg_is_error ? ui_red : ui_green, UI_LEFT, 0, true, &used);
		y += used;
	}
	if (!a->be.can_register) {
		ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.y + c.h - bh - y), a->be.why_not,
			ui_red, UI_LEFT, 0, true, &used);
	}
	ui_button(u, W_START, "start", ui_rect(c.x + c.w - ui_mm(u, 50), c.y + c.h - bh,
		ui_mm(u, 50), bh), T("Start"), "next", UI_PRIMARY, true);
}

/* ---- officer PIN ---- */

static void locked_message(struct kapp *a, int64_t secs)
{
	char m[24];

	snprintf(m, sizeof m, "%lld", (long long)((secs + 59) / 60));
	kfmt(a->msg, sizeof a->msg, T("Too many wrong PINs. The officer PIN is locked for {1} "
		"minutes."), m, NULL, NULL);
	a->msg_is_error = true;
	a->choice = 2; /* redrawn in the current language while it lasts */
}

static void pin_check(struct kapp *a)
{
	struct jr_errbuf eb = { 0 };
	char id[JR_KEYID_SHORT_LEN + 1], left[24];
	int64_t locked = 0, fails;
	int err;

	if (strlen(a->entry) < JR_PIN_MIN) {
		kstrlcpy(a->msg, T("The PIN has at least 6 digits."), sizeof a->msg);
		a->msg_is_error = true;
		return;
	}
	err = kbackend_officer_open(&a->be, &a->cfg, a->entry, kclock_unix(&a->clock),
		a->officer_id, id, &locked, &eb);
	sodium_memzero(a->entry, sizeof a->entry);
	a->msg_is_error = true;
	fails = kstore_meta_i64(a->be.store, "pin_failures");
	if (locked > 0 && err != JR_OK) {
		locked_message(a, locked);
	} else if (err == JR_EPIN) {
		snprintf(left, sizeof left, "%lld", (long long)(KPIN_FREE_TRIES - fails));
		if (fails < KPIN_FREE_TRIES)
			kfmt(a->msg, sizeof a->msg, T("Wrong PIN. {1} tries left before the PIN "
				"locks."), left, NULL, NULL);
		else
			kstrlcpy(a->msg, T("Wrong PIN."), sizeof a->msg);
	} else if (err == JR_ENOTFOUND && strstr(eb.msg, "holds no roster") != NULL) {
		kstrlcpy(a->msg, T("This kiosk holds no roster yet: it cannot check the officer. "
			"Give it the consortium's roster file."), sizeof a->msg);
	} else if (err == JR_ENOTFOUND && strstr(eb.msg, "is not on roster") != NULL) {
		kstrlcpy(a->msg, T("This officer is not on the roster this kiosk trusts."),
			sizeof a->msg);
	} else if (err == JR_ENOTFOUND || err == JR_EIO || err == JR_EINVAL) {
		kstrlcpy(a->msg, T("No officer key found. Insert the officer's sync drive."),
			sizeof a->msg);
	} else if (err == JR_EKEY && strstr(eb.msg, "revoked") != NULL) {
		kstrlcpy(a->msg, T("This officer's key was revoked: officer mode stays closed."),
			sizeof a->msg);
	} else if (err == JR_EKEY && strstr(eb.msg, "not an officer") != NULL) {
		kstrlcpy(a->msg, T("This is not an officer's key."), sizeof a->msg);
	} else if (err != JR_OK) {
		kstrlcpy(a->msg, T("The roster does not let this officer sync this kiosk."),
			sizeof a->msg);
	} else {
		bool sync = a->sync_on_open && a->be.has_consortium;
		klog_console("officer %s: PIN right, on the roster: %s", id,
			sync ? "syncing with the drive" : "officer menu");
		a->officer_ok = true;
		kstrlcpy(a->officer_short, id, sizeof a->officer_short);
		app_goto(a, sync ? SCR_SYNC : SCR_OFFICER);
		kstrlcpy(a->msg, id, sizeof a->msg); /* officer id, shown on the menu */
		a->msg_is_error = false;
	}
	if (err != JR_OK)
		klog_console("officer mode refused: %s", eb.msg[0] ? eb.msg : jr_strerror(err));
}

static void pin_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_ENTER) {
		int64_t locked = kbackend_pin_locked(&a->be, kclock_unix(&a->clock));
		if (locked > 0)
			locked_message(a, locked);
		return;
	}
	if (ev->type == KEV_TEXT) {
		for (const char *p = ev->text; *p != '\0'; p++)
			if (*p >= '0' && *p <= '9')
				kw_keypad_tap(W_KEY0 + (*p - '0'), a->entry, 12);
		return;
	}
	if (ev->type == KEV_KEY && ev->key == SDLK_RETURN)
		pin_check(a);
	if (ev->type != KEV_TAP)
		return;
	if (kw_keypad_tap(ev->id, a->entry, 12))
		a->msg[0] = '\0';
	else if (ev->id == W_NEXT)
		pin_check(a);
	else if (ev->id == W_BACK)
		app_reset(a);
}

static void pin_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Officer"), "officer", FRAME_BACK | FRAME_NEXT, T("Open"));
	int kw = ui_mm(u, 60), g = ui_mm(u, 2), used = 0;
	char dots[40] = "";

	if (kw > c.w / 2)
		kw = c.w / 2;
	if (a->choice == 2) {
		int64_t locked = kbackend_pin_locked(&a->be, kclock_unix(&a->clock));
		if (locked > 0) {
			locked_message(a, locked);
		} else {
			a->msg[0] = '\0';
			a->choice = 0;
		}
	}
	int lw = c.w - kw - g, y = c.y;
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, lw, c.h / 3), T("Officer's PIN"), ui_ink, UI_LEFT,
		0, true, &used);
	y += used + g;
	for (size_t i = 0; i < strlen(a->entry) && i < 12; i++)
		kstrlcat(dots, "\xE2\x97\x8F", sizeof dots); /* U+25CF black circle */
	kw_entry(a, ui_rect(c.x, y, lw, ui_mm(u, 13)), dots, "");
	y += ui_mm(u, 13) + g;
	app_draw_messages(a, ui_rect(c.x, y, lw, c.y + c.h - y));
	kw_keypad(a, ui_rect(c.x + c.w - kw, c.y, kw, c.h));
}

/* ---- officer menu ---- */

static void officer_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_ENTER) {
		if (!a->officer_ok)
			app_reset(a);
		a->rv.print_state = 0;
		return;
	}
	if (ev->type != KEV_TAP)
		return;
	if (ev->id == W_REPRINT) {
		kscreen_print_last(a);
	} else if (ev->id == W_SYNC && a->be.has_consortium) {
		app_goto(a, SCR_SYNC);
	} else if (ev->id == W_EXIT || ev->id == W_BACK) {
		app_reset(a);
	}
}

static void officer_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Officer menu"), "officer", FRAME_BACK, NULL);
	const struct jr_region *v = jr_region_find(a->be.village);
	char buf[KMSG_MAX], h[24], asof[16];
	int y = c.y, used = 0, bh = ui_mm(u, 12), g = ui_mm(u, 2);

	snprintf(h, sizeof h, "%llu", (unsigned long long)kbackend_height(&a->be));
	kfmt(buf, sizeof buf, T("Kiosk {1}, village {2}. Registrations in the shard: {3}."),
		a->be.kiosk_short, v ? v->name : "", h);
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.h), buf, ui_ink, UI_LEFT, 0, true, &used);
	y += used;
	kdate_text(kstore_as_of(a->be.store), asof, sizeof asof);
	kfmt(buf, sizeof buf, T("Status data dates from: {1}"), asof[0] ? asof : T("never"),
		NULL, NULL);
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.h), buf, ui_ink, UI_LEFT, 0, true, &used);
	y += used;
	consortium_line(a, buf, sizeof buf);
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.h), buf, ui_ink, UI_LEFT, 0, true, &used);
	y += used;
	ui_wrap(u, UI_F_SMALL, ui_rect(c.x, y, c.w, c.h), tpm_line(a),
		a->be.tpm ? ui_ink : ui_red, UI_LEFT, 0, true, &used);
	y += used + g;
	if (!a->be.can_register) {
		/* What the officer must fix first, in the kiosk's words (a replaced
		 * consortium key file, a stale shard). */
		ui_wrap(u, UI_F_SMALL, ui_rect(c.x, y, c.w, c.y + c.h - bh - g - y), a->be.why_not,
			ui_red, UI_LEFT, 0, true, &used);
		y += used + g;
	}
	if (a->rv.print_state != 0) {
		bool err;
		const char *pm = kscreen_print_message(a, &err);
		ui_wrap(u, UI_F_SMALL, ui_rect(c.x, y, c.w, c.y + c.h - bh - g - y), pm,
			err ? ui_red : ui_green, UI_LEFT, 0, true, NULL);
	}
	ui_button(u, W_SYNC, "sync", ui_rect(c.x, c.y + c.h - bh, ui_mm(u, 55), bh),
		T("Sync with the drive"), "sync", UI_PRIMARY, a->be.has_consortium);
	ui_button(u, W_REPRINT, "reprint", ui_rect(c.x + ui_mm(u, 57), c.y + c.h - bh,
		ui_mm(u, 62), bh), T("Print the last receipt again"), "print", UI_SECONDARY,
		kbackend_height(&a->be) > 0);
	ui_button(u, W_EXIT, "exit", ui_rect(c.x + c.w - ui_mm(u, 40), c.y + c.h - bh,
		ui_mm(u, 40), bh), T("Close"), "close", UI_PRIMARY, true);
}

const struct kscreen_ops kscr_setup = { "setup", NULL, setup_handle, setup_draw };
const struct kscreen_ops kscr_officer_pin = { "officer-pin", NULL, pin_handle, pin_draw };
const struct kscreen_ops kscr_officer = { "officer", NULL, officer_handle, officer_draw };
