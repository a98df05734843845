/*
 * The second half of the registration flow: district and village (from the
 * compiled region table), address, occupation, income bracket, phone, and
 * the review screen that submits through the registrar.
 */
#include <ctype.h>
#include <sodium.h>
#include <string.h>

#include "labels.h"
#include "log.h"
#include "screens.h"
#include "util.h"
#include "widgets.h"
#include "jaring/region.h"

enum { W_NO_PHONE = W_OWN };

#define MAX_LIST 64

/* Districts of every regency the policy covers, in code order. */
static int district_list(struct kapp *a, const struct jr_region **out)
{
	size_t n = 0;

	for (size_t i = 0; i < a->be.policy.n_regencies && i < JR_POLICY_MAX_REGENCIES; i++) {
		size_t k = jr_region_children(a->be.policy.regencies[i], out + n, MAX_LIST - n);
		n += k < MAX_LIST - n ? k : MAX_LIST - n;
	}
	return (int)n;
}

static int village_list(struct kapp *a, const struct jr_region **out)
{
	size_t k = jr_region_children(a->form.district, out, MAX_LIST);

	return (int)(k < MAX_LIST ? k : MAX_LIST);
}

static int grid_cols(struct kapp *a, double min_mm, int max)
{
	int cols = (int)((double)a->ui.w / a->ui.pxmm / min_mm);

	return cols < 1 ? 1 : cols > max ? max : cols;
}

/* ---- district ---- */

static void district_handle(struct kapp *a, const struct kev *ev)
{
	const struct jr_region *list[MAX_LIST];
	int n;

	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE)
		app_flow_back(a);
	if (ev->type != KEV_TAP || kw_grid_page(a, ev->id))
		return;
	n = district_list(a, list);
	if (ev->id >= W_ITEM0 && ev->id < W_ITEM0 + n) {
		uint64_t d = list[ev->id - W_ITEM0]->code;
		if (d != a->form.district) {
			a->form.district = d;
			a->form.village = 0;
			a->form.filled &= ~KF_BIT(KF_VILLAGE);
		}
		app_flow_next(a);
	} else if (ev->id == W_BACK) {
		app_flow_back(a);
	}
}

static void district_draw(struct kapp *a)
{
	const struct jr_region *list[MAX_LIST];
	struct kw_item items[MAX_LIST];
	SDL_Rect c = app_frame(a, T("Where do you live? District"), "pin", FRAME_BACK, NULL);
	int n = district_list(a, list);
	int h = a->ui.font_h[UI_F_BODY];

	ui_text(&a->ui, UI_F_BODY, c.x, c.y, c.w, T("Choose your district (kecamatan)."),
		ui_ink, UI_LEFT);
	c.y += h;
	c.h -= h;
	for (int i = 0; i < n; i++) {
		items[i].label = list[i]->name;
		items[i].icon = NULL;
		items[i].name = list[i]->name;
		items[i].selected = list[i]->code == a->form.district;
	}
	kw_grid(a, c, items, n, grid_cols(a, 48, 4), 11, false);
}

/* ---- village ---- */

static void village_handle(struct kapp *a, const struct kev *ev)
{
	const struct jr_region *list[MAX_LIST];
	int n;

	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE) {
		app_goto(a, SCR_DISTRICT);
		return;
	}
	if (ev->type != KEV_TAP || kw_grid_page(a, ev->id))
		return;
	n = village_list(a, list);
	if (ev->id >= W_ITEM0 && ev->id < W_ITEM0 + n) {
		a->form.village = list[ev->id - W_ITEM0]->code;
		if (form_check(&a->form, KF_VILLAGE, &a->be.policy, app_today(a), &a->verdict) == 0) {
			a->form.filled |= KF_BIT(KF_VILLAGE);
			if (a->form.editing) {
				a->form.editing = false;
				app_goto(a, SCR_REVIEW);
			} else {
				app_flow_next(a);
			}
		}
	} else if (ev->id == W_BACK) {
		bool editing = a->form.editing;
		app_goto(a, SCR_DISTRICT);
		a->form.editing = editing;
	}
}

static void village_draw(struct kapp *a)
{
	const struct jr_region *list[MAX_LIST];
	struct kw_item items[MAX_LIST];
	const struct jr_region *d = jr_region_find(a->form.district);
	char prompt[160];
	SDL_Rect c = app_frame(a, T("Village"), "pin", FRAME_BACK, NULL);
	int n = village_list(a, list);
	int h = a->ui.font_h[UI_F_BODY];

	kfmt(prompt, sizeof prompt, T("Choose your village in {1}."), d ? d->name : "", NULL, NULL);
	ui_text(&a->ui, UI_F_BODY, c.x, c.y, c.w, prompt, ui_ink, UI_LEFT);
	c.y += h;
	c.h -= h;
	if (a->verdict.n > 0) {
		int used = app_draw_messages(a, c);
		c.y += used;
		c.h -= used;
	}
	for (int i = 0; i < n; i++) {
		items[i].label = list[i]->name;
		items[i].icon = NULL;
		items[i].name = list[i]->name;
		items[i].selected = list[i]->code == a->form.village;
	}
	kw_grid(a, c, items, n, grid_cols(a, 48, 4), 11, false);
}

/* ---- address ---- */

/* Letters, and a second layout with digits behind the "123" key: five
 * rows of 9 mm keys do not fit a 7" panel under the entry. */
static const char *const addr_rows[] = { "QWERTYUIOP", "ASDFGHJKL/", "ZXCVBNM-.," };
static const char *const addr_digit_rows[] = { "1234567890", "/-.,()'" };
static const struct kw_layout addr_layout = { addr_rows, 3, true, "123" };
static const struct kw_layout addr_digits = { addr_digit_rows, 2, true, "ABC" };

static const struct kw_layout *addr_keys(const struct kapp *a)
{
	return a->page == 1 ? &addr_digits : &addr_layout;
}

static void address_next(struct kapp *a)
{
	size_t len = strlen(a->entry);

	while (len > 0 && a->entry[len - 1] == ' ')
		a->entry[--len] = '\0';
	kstrlcpy(a->form.address, a->entry, sizeof a->form.address);
	if (form_check(&a->form, KF_ADDRESS, &a->be.policy, app_today(a), &a->verdict) > 0) {
		a->form.filled &= ~KF_BIT(KF_ADDRESS);
		return;
	}
	a->form.filled |= KF_BIT(KF_ADDRESS);
	app_flow_next(a);
}

static void address_handle(struct kapp *a, const struct kev *ev)
{
	size_t max = sizeof a->entry - 1 < JR_ADDRESS_MAX ? sizeof a->entry - 1 : JR_ADDRESS_MAX;

	if (kentry_handle(a, ev, a->form.address, max, address_next) ||
	    kw_keyboard_tap(addr_keys(a), ev->id, a->entry, max))
		return;
	if (ev->id == W_KEY_MODE)
		a->page = !a->page;
	else if (ev->id == W_NEXT)
		address_next(a);
	else if (ev->id == W_BACK)
		app_flow_back(a);
}

static void address_draw(struct kapp *a)
{
	SDL_Rect c = app_frame(a, T("Address"), "home", FRAME_BACK | FRAME_NEXT, NULL);
	SDL_Rect entry, input;

	kw_keyboard_screen(a, c, T("Street or hamlet, RT/RW"), &entry, &input);
	kw_entry(a, entry, a->entry, T("EXAMPLE: DUKUH KRAJAN RT 02/RW 03"));
	kw_keyboard(a, input, addr_keys(a));
}

/* ---- occupation ---- */

static void occupation_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE)
		app_flow_back(a);
	if (ev->type != KEV_TAP || kw_grid_page(a, ev->id))
		return;
	if (ev->id > W_ITEM0 - 1 && ev->id < W_ITEM0 + JR_OCC_COUNT - 1) {
		a->form.occupation = (enum jr_occupation)(ev->id - W_ITEM0 + 1);
		if (form_check(&a->form, KF_OCCUPATION, &a->be.policy, app_today(a), &a->verdict) == 0) {
			a->form.filled |= KF_BIT(KF_OCCUPATION);
			app_flow_next(a);
		}
	} else if (ev->id == W_BACK) {
		app_flow_back(a);
	}
}

static void occupation_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	struct kw_item items[JR_OCC_COUNT];
	char names[JR_OCC_COUNT][24];
	SDL_Rect c = app_frame(a, T("Your work"), "occ-other_informal", FRAME_BACK, NULL);
	int cols = grid_cols(a, 29, 5), n = JR_OCC_COUNT - 1;

	if (a->verdict.n > 0) {
		int used = app_draw_messages(a, c);
		c.y += used;
		c.h -= used;
	}
	for (int i = 0; i < n; i++) {
		enum jr_occupation o = (enum jr_occupation)(i + 1);
		snprintf(names[i], sizeof names[i], "occ-%d", i + 1);
		items[i].label = T(klabel_occupation(o));
		items[i].icon = klabel_occupation_icon(o);
		items[i].name = names[i];
		items[i].selected = a->form.occupation == o;
	}
	kw_grid(a, c, items, n, cols, 20, true);
	(void)u;
}

/* ---- income ---- */

static void income_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE)
		app_flow_back(a);
	if (ev->type != KEV_TAP)
		return;
	if (ev->id >= W_ITEM0 && ev->id < W_ITEM0 + JR_INCOME_COUNT - 1) {
		a->form.income = (enum jr_income)(ev->id - W_ITEM0 + 1);
		if (form_check(&a->form, KF_INCOME, &a->be.policy, app_today(a), &a->verdict) == 0) {
			a->form.filled |= KF_BIT(KF_INCOME);
			app_flow_next(a);
		} else {
			a->form.filled &= ~KF_BIT(KF_INCOME);
		}
	} else if (ev->id == W_BACK) {
		app_flow_back(a);
	}
}

static void income_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	struct kw_item items[JR_INCOME_COUNT];
	char names[JR_INCOME_COUNT][16];
	SDL_Rect c = app_frame(a, T("Monthly income"), "money", FRAME_BACK, NULL);
	int n = JR_INCOME_COUNT - 1, used = 0;

	ui_wrap(u, UI_F_BODY, c, T("About how much do you earn in a month?"), ui_ink, UI_LEFT,
		0, true, &used);
	c.y += used;
	c.h -= used;
	if (a->verdict.n > 0) {
		used = app_draw_messages(a, c);
		c.y += used;
		c.h -= used;
	}
	for (int i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "income-%d", i + 1);
		items[i].label = T(klabel_income((enum jr_income)(i + 1)));
		items[i].icon = "money";
		items[i].name = names[i];
		items[i].selected = a->form.income == (enum jr_income)(i + 1);
	}
	kw_grid(a, c, items, n, 2, 11, false);
}

/* ---- phone ---- */

static void phone_next(struct kapp *a, bool none)
{
	a->form.no_phone = none || a->entry[0] == '\0';
	kstrlcpy(a->form.phone, a->form.no_phone ? "" : a->entry, sizeof a->form.phone);
	if (form_check(&a->form, KF_PHONE, &a->be.policy, app_today(a), &a->verdict) > 0) {
		a->form.filled &= ~KF_BIT(KF_PHONE);
		return;
	}
	a->form.filled |= KF_BIT(KF_PHONE);
	app_flow_next(a);
}

static void phone_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_ENTER) {
		kstrlcpy(a->entry, a->form.phone, JR_PHONE_MAX + 1);
		return;
	}
	if (ev->type == KEV_TEXT) {
		for (const char *p = ev->text; *p != '\0'; p++)
			if (*p >= '0' && *p <= '9')
				kw_keypad_tap(W_KEY0 + (*p - '0'), a->entry, JR_PHONE_MAX);
		memset(&a->verdict, 0, sizeof a->verdict);
		return;
	}
	if (ev->type == KEV_KEY) {
		if (ev->key == SDLK_BACKSPACE)
			kw_keypad_tap(W_KEY_DEL, a->entry, JR_PHONE_MAX);
		else if (ev->key == SDLK_RETURN)
			phone_next(a, false);
		else if (ev->key == SDLK_ESCAPE)
			app_flow_back(a);
		return;
	}
	if (ev->type != KEV_TAP)
		return;
	if (kw_keypad_tap(ev->id, a->entry, JR_PHONE_MAX))
		memset(&a->verdict, 0, sizeof a->verdict);
	else if (ev->id == W_NEXT)
		phone_next(a, false);
	else if (ev->id == W_NO_PHONE)
		phone_next(a, true);
	else if (ev->id == W_BACK)
		app_flow_back(a);
}

static void phone_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Phone number"), "phone", FRAME_BACK | FRAME_NEXT, NULL);
	int g = ui_mm(u, 2), kw = ui_mm(u, 60), used = 0;
	int lw = c.w - kw - g, y = c.y, bh = ui_mm(u, 11);

	if (kw > c.w / 2) {
		kw = c.w / 2;
		lw = c.w - kw - g;
	}
	ui_wrap(u, UI_F_BODY, ui_rect(c.x, y, lw, c.h / 3), T("So the programme can reach you. "
		"Optional."), ui_ink, UI_LEFT, 0, true, &used);
	y += used + g;
	kw_entry(a, ui_rect(c.x, y, lw, ui_mm(u, 13)), a->entry, "08__________");
	y += ui_mm(u, 13) + g;
	ui_button(u, W_NO_PHONE, "no-phone", ui_rect(c.x, y, lw, bh), T("I have no phone"),
		"close", UI_SECONDARY, true);
	y += bh + g;
	app_draw_messages(a, ui_rect(c.x, y, lw, c.y + c.h - y));
	kw_keypad(a, ui_rect(c.x + c.w - kw, c.y, kw, c.h));
}

/* ---- review and submit ---- */

struct review_row {
	enum kfield field;
	const char *label;
	char value[JR_ADDRESS_MAX + 48];
};

static int review_rows(struct kapp *a, struct review_row *rows)
{
	const struct kform *f = &a->form;
	const struct jr_region *v = jr_region_find(f->village);
	const struct jr_region *d = jr_region_find(f->district);
	char date[16];
	int n = 0;

	rows[n].field = KF_NIK, rows[n].label = T("NIK");
	knik_groups(f->nik, rows[n].value, sizeof rows[n].value), n++;
	rows[n].field = KF_NAME, rows[n].label = T("Full name");
	kstrlcpy(rows[n].value, f->name, sizeof rows[n].value), n++;
	rows[n].field = KF_SEX, rows[n].label = T("Sex");
	kstrlcpy(rows[n].value, f->sex ? T(klabel_sex(f->sex)) : "", sizeof rows[n].value), n++;
	rows[n].field = KF_BIRTH, rows[n].label = T("Date of birth");
	kdate_text(form_birth(f), date, sizeof date);
	kstrlcpy(rows[n].value, date, sizeof rows[n].value), n++;
	rows[n].field = KF_VILLAGE, rows[n].label = T("Village");
	kfmt(rows[n].value, sizeof rows[n].value, "{1}, {2}", v ? v->name : "", d ? d->name : "",
		NULL), n++;
	rows[n].field = KF_ADDRESS, rows[n].label = T("Address");
	kstrlcpy(rows[n].value, f->address, sizeof rows[n].value), n++;
	rows[n].field = KF_OCCUPATION, rows[n].label = T("Work");
	kstrlcpy(rows[n].value, f->occupation ? T(klabel_occupation(f->occupation)) : "",
		sizeof rows[n].value), n++;
	rows[n].field = KF_INCOME, rows[n].label = T("Monthly income");
	kstrlcpy(rows[n].value, f->income ? T(klabel_income(f->income)) : "",
		sizeof rows[n].value), n++;
	rows[n].field = KF_PHONE, rows[n].label = T("Phone number");
	kstrlcpy(rows[n].value, f->no_phone || f->phone[0] == '\0' ? T("none") : f->phone,
		sizeof rows[n].value), n++;
	return n;
}

static enum kscreen field_screen(enum kfield f)
{
	static const enum kscreen s[KF_COUNT] = {
		[KF_NIK] = SCR_NIK, [KF_NAME] = SCR_NAME, [KF_SEX] = SCR_SEX,
		[KF_BIRTH] = SCR_DOB, [KF_VILLAGE] = SCR_DISTRICT, [KF_ADDRESS] = SCR_ADDRESS,
		[KF_OCCUPATION] = SCR_OCCUPATION, [KF_INCOME] = SCR_INCOME, [KF_PHONE] = SCR_PHONE,
	};
	return s[f];
}

static void submit(struct kapp *a)
{
	struct jr_registration r;
	struct jr_issued issued;
	struct jr_errbuf eb = { 0 };
	int err;

	if (form_check_all(&a->form, &a->be.policy, app_today(a), &a->verdict) > 0)
		return;
	form_build(&a->form, &a->be.policy, &r);
	memset(&issued, 0, sizeof issued);
	err = kbackend_submit(&a->be, &r, kclock_unix(&a->clock), &a->verdict, &issued, &eb);
	jr_registration_wipe(&r);
	if (err == JR_ERULE)
		return;
	if (err != JR_OK) {
		kfmt(a->msg, sizeof a->msg, T("The registration could not be saved, so nothing was "
			"registered. Please try again or call the field officer. ({1})"),
			jr_strerror(err), NULL, NULL);
		a->msg_is_error = true;
		return;
	}
	/* Committed: the form's personal data is no longer needed here. */
	form_wipe(&a->form);
	kscreen_receipt_show(a, &issued);
	sodium_memzero(&issued, sizeof issued);
}

static void review_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_ENTER) {
		(void)form_check_all(&a->form, &a->be.policy, app_today(a), &a->verdict);
		return;
	}
	if (ev->type == KEV_KEY && ev->key == SDLK_ESCAPE)
		app_flow_back(a);
	if (ev->type != KEV_TAP || kw_grid_page(a, ev->id))
		return;
	if (ev->id >= W_EDIT0 && ev->id < W_EDIT0 + KF_COUNT) {
		enum kfield f = (enum kfield)(ev->id - W_EDIT0);
		app_goto(a, field_screen(f));
		a->form.editing = true;
	} else if (ev->id == W_NEXT) {
		a->submit_t0 = SDL_GetPerformanceCounter();
		submit(a);
		if (a->screen != SCR_RECEIPT)
			a->submit_t0 = 0;
	} else if (ev->id == W_BACK) {
		app_flow_back(a);
	}
}

static void review_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	struct review_row rows[KF_COUNT];
	SDL_Rect c = app_frame(a, a->form.correcting ? T("Check your correction") :
		T("Check your data"), "check", FRAME_BACK | FRAME_NEXT,
		a->form.correcting ? T("Send correction") : T("Register now"));
	int n = review_rows(a, rows), g = ui_mm(u, 1.5), rh = ui_mm(u, 11.5);
	int ew = ui_mm(u, 26), lw = ui_mm(u, 36);

	if (a->verdict.n > 0 || a->msg[0] != '\0') {
		int used = app_draw_messages(a, c);
		c.y += used + g;
		c.h -= used + g;
	}
	int per = (c.h + g) / (rh + g), pages;
	if (per < 1)
		per = 1;
	pages = (n + per - 1) / per;
	a->choice = pages;
	if (a->page >= pages)
		a->page = pages - 1;
	int w = c.w;
	if (pages > 1) {
		int sw = ui_mm(u, 14);
		ui_button(u, W_PAGE_UP, "page-up", ui_rect(c.x + c.w - sw, c.y, sw, ui_mm(u, 13)), "",
			"up", UI_SECONDARY, a->page > 0);
		ui_button(u, W_PAGE_DOWN, "page-down", ui_rect(c.x + c.w - sw, c.y + c.h - ui_mm(u, 13),
			sw, ui_mm(u, 13)), "", "down", UI_SECONDARY, a->page + 1 < pages);
		w -= sw + g;
	}
	for (int k = 0; k < per; k++) {
		int i = a->page * per + k, y = c.y + k * (rh + g);
		char name[24];
		bool bad = false;
		if (i >= n)
			break;
		for (size_t j = 0; j < a->verdict.n; j++)
			bad |= form_reason_field(a->verdict.reasons[j]) == rows[i].field;
		ui_fill(u, ui_rect(c.x, y, w, rh), bad ? (SDL_Color){ 255, 235, 235, 255 } :
			(SDL_Color){ 244, 246, 250, 255 });
		ui_text(u, UI_F_SMALL, c.x + g, y + (rh - u->font_h[UI_F_SMALL]) / 2, lw,
			rows[i].label, ui_grey, UI_LEFT);
		ui_text(u, UI_F_BOLD, c.x + lw + g, y + (rh - u->font_h[UI_F_BOLD]) / 2,
			w - lw - ew - 3 * g, rows[i].value, bad ? ui_red : ui_ink, UI_LEFT);
		snprintf(name, sizeof name, "edit-%d", (int)rows[i].field);
		if (!a->form.correcting || (a->form.ask_fields & KF_BIT(rows[i].field)))
			ui_button(u, W_EDIT0 + (int)rows[i].field, name,
				ui_rect(c.x + w - ew, y + (rh - ui_mm(u, 10)) / 2, ew, ui_mm(u, 10)),
				T("Change"), "edit", UI_SECONDARY, true);
	}
}

const struct kscreen_ops kscr_district = { "district", NULL, district_handle, district_draw };
const struct kscreen_ops kscr_village = { "village", NULL, village_handle, village_draw };
const struct kscreen_ops kscr_address = { "address", NULL, address_handle, address_draw };
const struct kscreen_ops kscr_occupation = { "occupation", NULL, occupation_handle,
	occupation_draw };
const struct kscreen_ops kscr_income = { "income", NULL, income_handle, income_draw };
const struct kscreen_ops kscr_phone = { "phone", NULL, phone_handle, phone_draw };
const struct kscreen_ops kscr_review = { "review", NULL, review_handle, review_draw };
