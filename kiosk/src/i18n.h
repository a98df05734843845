/*
 * i18n.h — translations from gettext .po files (assets/i18n/id.po, en.po),
 * read at start-up by a small reader of our own (no libintl). msgids are the
 * English text; en.po may leave msgstr empty, which means "the msgid".
 * A lookup that finds no entry returns the msgid and is counted as a miss,
 * so the scripted sessions can fail on any untranslated string they meet.
 */
#ifndef KIOSK_I18N_H
#define KIOSK_I18N_H

#include <stdbool.h>
#include <stddef.h>

struct ki18n;

bool ki18n_load(const char *dir, struct ki18n **out, char *err, size_t errlen);
void ki18n_free(struct ki18n *t);
/* lang: enum jr_lang. Never NULL. */
const char *ki18n_get(struct ki18n *t, int lang, const char *msgid);
/* Lookups that found no entry, and the last such msgid (or ""). */
unsigned ki18n_misses(const struct ki18n *t);
const char *ki18n_last_miss(const struct ki18n *t);
/* Parses one .po text (for tests and the loader): entries counted in *n. */
bool ki18n_parse_check(const char *text, size_t len, size_t *n);

#endif
