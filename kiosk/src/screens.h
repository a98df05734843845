/* screens.h — the screens of the state machine (one kscreen_ops each). */
#ifndef KIOSK_SCREENS_H
#define KIOSK_SCREENS_H

#include "app.h"

extern const struct kscreen_ops kscr_setup, kscr_welcome, kscr_consent,
	kscr_declined, kscr_nik, kscr_name, kscr_sex, kscr_dob, kscr_district,
	kscr_village, kscr_address, kscr_occupation, kscr_income, kscr_phone,
	kscr_review, kscr_receipt, kscr_status_menu, kscr_status_code,
	kscr_status_result, kscr_officer_pin, kscr_officer, kscr_sync;

/* True while the officer's sync runs on its worker thread (scr_sync.c). */
bool kscreen_sync_running(void);

/* After a committed registration: shows the receipt and prints it. */
void kscreen_receipt_show(struct kapp *a, const struct jr_issued *is);
/* Keyboard screens' shared events (scr_register.c); true if consumed. */
bool kentry_handle(struct kapp *a, const struct kev *ev, const char *field,
	size_t max, void (*next)(struct kapp *a));
/* What the last print did, for the worker (error: say it in red). */
const char *kscreen_print_message(struct kapp *a, bool *error);
/* Prints (again) the last receipt of the shard; result in a->rv. */
void kscreen_print_last(struct kapp *a);
/* Status of a typed code, shown on the result screen. */
void kscreen_status_code(struct kapp *a, const char *code);

#endif
