/*
 * The first half of the registration flow: welcome, consent, NIK, name,
 * sex and date of birth. Each screen asks one thing; "next" checks it with
 * the contract rules (form_check) and stays with the reason shown if the
 * rules say no.
 */
#include <ctype.h>
#include <string.h>

#include "labels.h"
#include "screens.h"
#include "util.h"
#include "widgets.h"

enum { W_REGISTER = W_OWN, W_STATUS, W_OFFICER, W_DECLINE, W_MALE, W_FEMALE };

/* ---- welcome ---- */

static void welcome_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type != KEV_TAP)
		return;
	if (ev->id == W_REGISTER && a->ready) {
		form_wipe(&a->form);
		app_goto(a, SCR_CONSENT);
	} else if (ev->id == W_STATUS) {
		app_goto(a, SCR_STATUS_MENU);
	} else if (ev->id == W_OFFICER) {
		app_goto(a, SCR_OFFICER_PIN);
	}
}

static void welcome_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, "Jaring", "home", 0, NULL);
	int g = ui_mm(u, 3), used = 0, bh = ui_mm(u, 24);
	int sb = ui_mm(u, 10), y = c.y;
	char who[128];

	y += ui_text(u, UI_F_TITLE, c.x, y, c.w, T("Social security for informal workers"),
		ui_navy, UI_LEFT);
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, c.w, c.h / 3), T("Register yourself for work "
		"accident and death protection (BPJS Ketenagakerjaan), paid for you by the "
		"local government or a sponsor. It takes about 5 minutes. Have your KTP "
		"(identity card) ready."), ui_ink, UI_LEFT, 0, true, &used);
	y += used + g;
	int bw = (c.w - g) / 2;
	ui_button(u, W_REGISTER, "register", ui_rect(c.x, y, bw, bh), T("Register"),
		"register", UI_PRIMARY, a->ready);
	ui_button(u, W_STATUS, "status", ui_rect(c.x + bw + g, y, bw, bh), T("Check status"),
		"status", UI_PRIMARY, true);
	y += bh + g;
	if (!a->ready)
		ui_wrap(u, UI_F_BOLD, ui_rect(c.x, y, c.w, c.y + c.h - sb - g - y),
			T("This kiosk cannot register yet. Please call the field officer."),
			ui_red, UI_LEFT, 0, true, NULL);
	ui_button(u, W_OFFICER, "officer", ui_rect(c.x, c.y + c.h - sb, ui_mm(u, 34), sb),
		T("Officer"), "officer", UI_SECONDARY, true);
	kfmt(who, sizeof who, T("Kiosk {1}"), a->be.kiosk_short, NULL, NULL);
	ui_text(u, UI_F_SMALL, c.x + ui_mm(u, 36), c.y + c.h - sb / 2 - u->font_h[UI_F_SMALL] / 2,
		c.w - ui_mm(u, 36), who, ui_grey, UI_RIGHT);
}

/* ---- consent ---- */

static void consent_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE) {
		app_reset(a);
		return;
	}
	if (ev->type != KEV_TAP || kw_textview_scroll(a, ev->id))
		return;
	if (ev->id == W_BACK)
		app_reset(a);
	else if (ev->id == W_DECLINE)
		app_goto(a, SCR_DECLINED);
	else if (ev->id == W_NEXT) {
		a->form.consent = true;
		app_flow_next(a);
	}
}

static void consent_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Your data and your rights"), "consent",
		FRAME_BACK | FRAME_NEXT, T("I agree"));
	int bar = ui_mm(u, KBAR_MM), gap = ui_mm(u, KBAR_GAP_MM), bw = ui_mm(u, 46);
	char text[3000];

	kfmt(text, sizeof text, "{1}\n{2}\n{3}", T("What we collect: your NIK (national identity "
		"number), full name, sex, date of birth, village and address, occupation, monthly "
		"income bracket and, if you have one, your phone number."),
		T("Why: to check whether you can be protected by BPJS Ketenagakerjaan (work "
		"accident and death insurance) with the contributions paid for you."),
		T("Who sees it: your NIK, name, date of birth, phone and address are locked "
		"(encrypted) on this kiosk and only the verification team (Disnaker, DPMD, "
		"Dukcapil, BPJS Ketenagakerjaan, Diskominfo) can open them. The public ledger "
		"shows no personal data."));
	kstrlcat(text, "\n", sizeof text);
	kstrlcat(text, T("How long: kept while you are in the programme and deleted 5 years "
		"after you leave it. This kiosk keeps no readable copy."), sizeof text);
	kstrlcat(text, "\n", sizeof text);
	kstrlcat(text, T("Your rights under Law 27/2022 on Personal Data Protection: to know "
		"how your data is used, to see and correct it, to withdraw your consent and ask "
		"for deletion, and to complain. Ask the field officer or the Disnaker office."),
		sizeof text);
	kw_textview(a, c, UI_F_BODY, text);
	ui_button(u, W_DECLINE, "decline", ui_rect((u->w - bw) / 2, u->h - bar + gap, bw,
		bar - 2 * gap), T("I do not agree"), "close", UI_SECONDARY, true);
}

static void declined_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_TAP && (ev->id == W_HOME || ev->id == W_BACK))
		app_reset(a);
}

static void declined_draw(struct kapp *a)
{
	SDL_Rect c = app_frame(a, T("Not registered"), "close", FRAME_HOME, NULL);

	ui_wrap(&a->ui, UI_F_BODY, c, T("Without your consent we cannot register you. "
		"Nothing you entered was kept. You can come back at any time."),
		ui_ink, UI_LEFT, 0, true, NULL);
}

/* ---- shared by the typed-entry screens ---- */

/* Keypad on the right; prompt, entry and messages on the left. */
static void keypad_layout(struct kapp *a, SDL_Rect c, const char *prompt,
	SDL_Rect *entry, SDL_Rect *msgs, SDL_Rect *input)
{
	struct ui *u = &a->ui;
	int g = ui_mm(u, 2), used = 0, kw = ui_mm(u, 60);

	if (kw > c.w / 2)
		kw = c.w / 2;
	*input = ui_rect(c.x + c.w - kw, c.y, kw, c.h);
	int lw = c.w - kw - g;
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, c.y, lw, c.h / 3), prompt, ui_ink, UI_LEFT,
		0, true, &used);
	*entry = ui_rect(c.x, c.y + used + g, lw, ui_mm(u, 13));
	*msgs = ui_rect(c.x, entry->y + entry->h + g, lw, c.y + c.h - entry->y - entry->h - g);
}

/* Accepts a field or shows why not. */
static bool accept(struct kapp *a, enum kfield f)
{
	if (form_check(&a->form, f, &a->be.policy, app_today(a), &a->verdict) > 0) {
		a->form.filled &= ~KF_BIT(f);
		return false;
	}
	a->form.filled |= KF_BIT(f);
	return true;
}

/* ---- NIK ---- */

static void nik_validate_prefix(struct kapp *a)
{
	enum jr_reason r = form_nik_prefix_reason(a->entry, app_today(a));

	memset(&a->verdict, 0, sizeof a->verdict);
	if (r != JR_R_NONE) {
		a->verdict.reasons[0] = r;
		a->verdict.n = 1;
	}
}

static void nik_next(struct kapp *a)
{
	kstrlcpy(a->form.nik, a->entry, sizeof a->form.nik);
	if (strlen(a->entry) < JR_NIK_LEN) {
		memset(&a->verdict, 0, sizeof a->verdict);
		a->verdict.reasons[0] = strlen(a->entry) == 0 ? JR_R_MISSING_NIK : JR_R_NIK_LENGTH;
		a->verdict.n = 1;
		return;
	}
	if (accept(a, KF_NIK))
		app_flow_next(a);
}

static void nik_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_ENTER) {
		kstrlcpy(a->entry, a->form.nik, JR_NIK_LEN + 1);
		return;
	}
	if (ev->type == KEV_TEXT) {
		for (const char *p = ev->text; *p != '\0'; p++) {
			size_t len = strlen(a->entry);
			if (len < JR_NIK_LEN) {
				a->entry[len] = *p;
				a->entry[len + 1] = '\0';
			}
		}
		nik_validate_prefix(a);
		return;
	}
	if (ev->type == KEV_KEY) {
		if (ev->key == SDLK_BACKSPACE)
			kw_keypad_tap(W_KEY_DEL, a->entry, JR_NIK_LEN);
		else if (ev->key == SDLK_RETURN)
			nik_next(a);
		else if (ev->key == SDLK_ESCAPE)
			app_flow_back(a);
		nik_validate_prefix(a);
		return;
	}
	if (ev->type != KEV_TAP)
		return;
	if (kw_keypad_tap(ev->id, a->entry, JR_NIK_LEN))
		nik_validate_prefix(a);
	else if (ev->id == W_NEXT)
		nik_next(a);
	else if (ev->id == W_BACK)
		app_flow_back(a);
}

static void nik_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Identity number (NIK)"), "idcard",
		FRAME_BACK | FRAME_NEXT, NULL);
	SDL_Rect entry, msgs, input;
	char shown[32], count[64], n1[24];

	keypad_layout(a, c, T("Type the 16 digits of the NIK on your KTP."), &entry, &msgs,
		&input);
	knik_groups(a->entry, shown, sizeof shown);
	kw_entry(a, entry, shown, "____ ____ ____ ____");
	snprintf(n1, sizeof n1, "%zu", strlen(a->entry));
	kfmt(count, sizeof count, T("{1} of 16 digits"), n1, NULL, NULL);
	msgs.y += ui_text(u, UI_F_SMALL, msgs.x, msgs.y, msgs.w, count, ui_grey, UI_LEFT);
	msgs.h -= u->font_h[UI_F_SMALL];
	app_draw_messages(a, msgs);
	kw_keypad(a, input);
}

/* ---- name ---- */

static void name_next(struct kapp *a)
{
	size_t len = strlen(a->entry);

	while (len > 0 && a->entry[len - 1] == ' ')
		a->entry[--len] = '\0';
	kstrlcpy(a->form.name, a->entry, sizeof a->form.name);
	if (accept(a, KF_NAME))
		app_flow_next(a);
}

/*
 * The events every keyboard screen (name, address) treats alike: entering
 * the screen loads the field, a hardware keyboard types capitals as on the
 * KTP (the rules decide what a field may hold), Backspace, Return (next) and
 * Escape (back). Returns true if the event was one of those; taps are the
 * screen's own.
 */
bool kentry_handle(struct kapp *a, const struct kev *ev, const char *field,
	size_t max, void (*next)(struct kapp *a))
{
	if (ev->type == KEV_ENTER) {
		kstrlcpy(a->entry, field, sizeof a->entry);
		return true;
	}
	if (ev->type == KEV_TICK)
		return true;
	memset(&a->verdict, 0, sizeof a->verdict);
	if (ev->type == KEV_TEXT) {
		char up[SDL_TEXTINPUTEVENT_TEXT_SIZE];
		size_t i;
		for (i = 0; ev->text[i] != '\0' && i + 1 < sizeof up; i++)
			up[i] = (char)toupper((unsigned char)ev->text[i]);
		up[i] = '\0';
		if (strlen(a->entry) + strlen(up) <= max)
			kstrlcat(a->entry, up, sizeof a->entry);
		return true;
	}
	if (ev->type == KEV_KEY) {
		if (ev->key == SDLK_BACKSPACE)
			kutf8_pop(a->entry);
		else if (ev->key == SDLK_RETURN)
			next(a);
		else if (ev->key == SDLK_ESCAPE)
			app_flow_back(a);
		return true;
	}
	return ev->type != KEV_TAP;
}

static void name_handle(struct kapp *a, const struct kev *ev)
{
	size_t max = JR_NAME_MAX;

	if (kentry_handle(a, ev, a->form.name, max, name_next) ||
	    kw_keyboard_tap(&kw_name_layout, ev->id, a->entry, max))
		return;
	if (ev->id == W_NEXT)
		name_next(a);
	else if (ev->id == W_BACK)
		app_flow_back(a);
}

static void name_draw(struct kapp *a)
{
	SDL_Rect c = app_frame(a, T("Full name"), "person", FRAME_BACK | FRAME_NEXT, NULL);
	SDL_Rect entry, input;

	kw_keyboard_screen(a, c, T("Your full name as written on your KTP"), &entry, &input);
	kw_entry(a, entry, a->entry, T("NAME"));
	kw_keyboard(a, input, &kw_name_layout);
}

/* ---- sex ---- */

static void sex_choose(struct kapp *a, enum jr_sex s)
{
	a->form.sex = s;
	if (accept(a, KF_SEX))
		app_flow_next(a);
}

static void sex_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE)
		app_flow_back(a);
	if (ev->type != KEV_TAP)
		return;
	if (ev->id == W_MALE)
		sex_choose(a, JR_SEX_MALE);
	else if (ev->id == W_FEMALE)
		sex_choose(a, JR_SEX_FEMALE);
	else if (ev->id == W_NEXT && a->form.sex != 0)
		sex_choose(a, a->form.sex);
	else if (ev->id == W_BACK)
		app_flow_back(a);
}

static void sex_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Sex"), "person",
		FRAME_BACK | (a->form.sex ? FRAME_NEXT : 0), NULL);
	int g = ui_mm(u, 3), bw = (c.w - g) / 2, used = 0;
	int bh = ui_mm(u, 30);

	ui_wrap(u, UI_F_BODY, ui_rect(c.x, c.y, c.w, c.h / 4), T("As written on your KTP."),
		ui_ink, UI_LEFT, 0, true, &used);
	int y = c.y + used + g;
	ui_tile(u, W_MALE, "male", ui_rect(c.x, y, bw, bh), T("Male"), "male",
		a->form.sex == JR_SEX_MALE ? UI_SELECTED : UI_SECONDARY);
	ui_tile(u, W_FEMALE, "female", ui_rect(c.x + bw + g, y, bw, bh), T("Female"), "female",
		a->form.sex == JR_SEX_FEMALE ? UI_SELECTED : UI_SECONDARY);
	app_draw_messages(a, ui_rect(c.x, y + bh + g, c.w, c.y + c.h - y - bh - g));
}

/* ---- date of birth ---- */

static void dob_next(struct kapp *a)
{
	kstrlcpy(a->form.dob, a->entry, sizeof a->form.dob);
	memset(&a->verdict, 0, sizeof a->verdict);
	if (strlen(a->entry) < KFORM_DOB_LEN || form_birth(&a->form) == 0) {
		a->verdict.reasons[0] = strlen(a->entry) == 0 ? JR_R_MISSING_BIRTH : JR_R_BIRTH_INVALID;
		a->verdict.n = 1;
		a->form.filled &= ~KF_BIT(KF_BIRTH);
		return;
	}
	if (accept(a, KF_BIRTH))
		app_flow_next(a);
}

static void dob_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_ENTER) {
		kstrlcpy(a->entry, a->form.dob, KFORM_DOB_LEN + 1);
		return;
	}
	if (ev->type == KEV_TEXT) {
		for (const char *p = ev->text; *p != '\0'; p++)
			if (*p >= '0' && *p <= '9')
				kw_keypad_tap(W_KEY0 + (*p - '0'), a->entry, KFORM_DOB_LEN);
		return;
	}
	if (ev->type == KEV_KEY) {
		if (ev->key == SDLK_BACKSPACE)
			kw_keypad_tap(W_KEY_DEL, a->entry, KFORM_DOB_LEN);
		else if (ev->key == SDLK_RETURN)
			dob_next(a);
		else if (ev->key == SDLK_ESCAPE)
			app_flow_back(a);
		return;
	}
	if (ev->type != KEV_TAP)
		return;
	if (kw_keypad_tap(ev->id, a->entry, KFORM_DOB_LEN))
		memset(&a->verdict, 0, sizeof a->verdict);
	else if (ev->id == W_NEXT)
		dob_next(a);
	else if (ev->id == W_BACK)
		app_flow_back(a);
}

static void dob_draw(struct kapp *a)
{
	SDL_Rect c = app_frame(a, T("Date of birth"), "calendar", FRAME_BACK | FRAME_NEXT, NULL);
	SDL_Rect entry, msgs, input;
	char shown[24];

	keypad_layout(a, c, T("Day, month and year, as on your KTP. Example: 17 08 1985."),
		&entry, &msgs, &input);
	kdob_mask(a->entry, shown, sizeof shown);
	kw_entry(a, entry, shown, "");
	app_draw_messages(a, msgs);
	kw_keypad(a, input);
}

const struct kscreen_ops kscr_welcome = { "welcome", NULL, welcome_handle, welcome_draw };
const struct kscreen_ops kscr_consent = { "consent", NULL, consent_handle, consent_draw };
const struct kscreen_ops kscr_declined = { "declined", NULL, declined_handle, declined_draw };
const struct kscreen_ops kscr_nik = { "nik", NULL, nik_handle, nik_draw };
const struct kscreen_ops kscr_name = { "name", NULL, name_handle, name_draw };
const struct kscreen_ops kscr_sex = { "sex", NULL, sex_handle, sex_draw };
const struct kscreen_ops kscr_dob = { "dob", NULL, dob_handle, dob_draw };
