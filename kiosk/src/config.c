#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jaring/rules.h"
#include "util.h"

void kconfig_defaults(struct kconfig *c)
{
	memset(c, 0, sizeof *c);
	kstrlcpy(c->data_dir, "/var/lib/jaring", sizeof c->data_dir);
	kstrlcpy(c->i18n_dir, JR_KIOSK_I18N_DIR, sizeof c->i18n_dir);
	kstrlcpy(c->icons_dir, JR_KIOSK_ICONS_DIR, sizeof c->icons_dir);
	kstrlcpy(c->fonts_dir, JR_KIOSK_FONTS_DIR, sizeof c->fonts_dir);
	c->screen_width = 800;
	c->screen_height = 480;
	c->screen_diagonal_in = 7.0;
	c->fullscreen = false;
	c->language = JR_LANG_ID;
	c->idle_timeout_s = 90;
	c->idle_warning_s = 10;
	c->log_max_kb = 256;
	c->printer_dots = 384;
}

static bool parse_int(const char *v, long lo, long hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return false;
	*out = (int)n;
	return true;
}

static bool parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return false;
	return true;
}

struct kconf_str {
	const char *key;
	size_t off, len;
};

#define STR(k) { #k, offsetof(struct kconfig, k), sizeof(((struct kconfig *)0)->k) }
static const struct kconf_str str_keys[] = {
	STR(data_dir), STR(counter_path), STR(tpm), STR(village), STR(consortium_pubkey),
	STR(printer), STR(receipts_dir), STR(camera), STR(officer_key), STR(sync_drive),
	STR(roster),
	STR(i18n_dir), STR(icons_dir), STR(fonts_dir),
};
#undef STR

static bool set_number(struct kconfig *c, const char *key, const char *value,
	bool *known)
{
	*known = true;
	if (strcmp(key, "screen_width") == 0)
		return parse_int(value, 320, 8192, &c->screen_width);
	if (strcmp(key, "screen_height") == 0)
		return parse_int(value, 240, 8192, &c->screen_height);
	if (strcmp(key, "idle_timeout_s") == 0)
		return parse_int(value, 15, 3600, &c->idle_timeout_s);
	if (strcmp(key, "idle_warning_s") == 0)
		return parse_int(value, 1, 60, &c->idle_warning_s);
	if (strcmp(key, "log_max_kb") == 0)
		return parse_int(value, 16, 65536, &c->log_max_kb);
	if (strcmp(key, "printer_dots") == 0)
		return parse_int(value, 8, 2048, &c->printer_dots) &&
			c->printer_dots % 8 == 0;
	if (strcmp(key, "screen_diagonal_in") == 0) {
		char *end;
		double d = strtod(value, &end);
		if (end == value || *end != '\0' || !(d >= 2.0 && d <= 100.0))
			return false;
		c->screen_diagonal_in = d;
		return true;
	}
	if (strcmp(key, "fullscreen") == 0)
		return parse_bool(value, &c->fullscreen);
	if (strcmp(key, "language") == 0) {
		if (strcmp(value, "id") == 0)
			c->language = JR_LANG_ID;
		else if (strcmp(value, "en") == 0)
			c->language = JR_LANG_EN;
		else
			return false;
		return true;
	}
	*known = false;
	return false;
}

bool kconfig_set(struct kconfig *c, const char *key, const char *value,
	char *err, size_t errlen)
{
	bool known;

	for (size_t i = 0; i < sizeof str_keys / sizeof str_keys[0]; i++) {
		if (strcmp(key, str_keys[i].key) != 0)
			continue;
		if (strlen(value) >= str_keys[i].len) {
			kfmt(err, errlen, "value of {1} is too long", key, NULL, NULL);
			return false;
		}
		kstrlcpy((char *)c + str_keys[i].off, value, str_keys[i].len);
		return true;
	}
	if (set_number(c, key, value, &known))
		return true;
	if (known)
		kfmt(err, errlen, "{1}: cannot use the value \"{2}\"", key, value, NULL);
	else
		kfmt(err, errlen, "unknown key \"{1}\"", key, NULL, NULL);
	return false;
}

static char *trim(char *s)
{
	char *e;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool kconfig_load(struct kconfig *c, const char *path, char *err, size_t errlen)
{
	char line[1024], msg[256], num[16];
	FILE *f = fopen(path, "r");
	unsigned lineno = 0;
	bool ok = true;

	if (f == NULL) {
		kfmt(err, errlen, "cannot open the configuration file {1}", path, NULL, NULL);
		return false;
	}
	while (ok && fgets(line, sizeof line, f) != NULL) {
		char *s, *eq, *hash;

		lineno++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		s = trim(line);
		if (*s == '\0')
			continue;
		eq = strchr(s, '=');
		snprintf(num, sizeof num, "%u", lineno);
		if (eq == NULL) {
			kfmt(err, errlen, "{1} line {2}: expected key = value", path, num, NULL);
			ok = false;
			break;
		}
		*eq = '\0';
		if (!kconfig_set(c, trim(s), trim(eq + 1), msg, sizeof msg)) {
			kfmt(err, errlen, "{1} line {2}: {3}", path, num, msg);
			ok = false;
		}
	}
	(void)fclose(f); /* read only: nothing to lose */
	return ok;
}

double kconfig_px_per_mm(const struct kconfig *c)
{
	double w = c->screen_width, h = c->screen_height;

	return sqrt(w * w + h * h) / (c->screen_diagonal_in * 25.4);
}
