/*
 * labels.h — words for the form's enumerations (as English msgids, looked
 * up in the .po files) and the date and NIK formats people read.
 */
#ifndef KIOSK_LABELS_H
#define KIOSK_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "jaring/record.h"

/* msgid of an occupation / income bracket / sex; "" if out of range. */
const char *klabel_occupation(enum jr_occupation o);
const char *klabel_occupation_icon(enum jr_occupation o);
const char *klabel_income(enum jr_income b);
const char *klabel_sex(enum jr_sex s);
/* YYYYMMDD -> "DD-MM-YYYY"; 0 -> "". */
void kdate_text(uint32_t yyyymmdd, char *out, size_t n);
/* YYYYMM -> "MM-YYYY". */
void kmonth_text(uint32_t yyyymm, char *out, size_t n);
/* Unix time -> "DD-MM-YYYY HH:MM" in WIB (UTC+7). */
void ktime_text(int64_t t, char *out, size_t n);
/* "3328014105900001" -> "3328 0141 0590 0001" (any prefix). */
void knik_groups(const char *digits, char *out, size_t n);
/* Typed DDMMYYYY digits -> "DD / MM / YYYY" with '_' for the rest. */
void kdob_mask(const char *digits, char *out, size_t n);

#endif
