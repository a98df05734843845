/*
 * config.h — the kiosk's one configuration file (docs/kiosk.md
 * "Configuration"): `key = value` lines, `#` comments. Unknown keys are an
 * error so a typo never silently falls back to a default.
 */
#ifndef KIOSK_CONFIG_H
#define KIOSK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KCONF_PATH_MAX 512

struct kconfig {
	char data_dir[KCONF_PATH_MAX];      /* key, shard, kiosk.db, logs */
	char counter_path[KCONF_PATH_MAX];  /* fork-guard counter (another partition) */
	/* the TPM a new kiosk key is sealed to (a tpm2-tss TCTI such as
	 * device:/dev/tpmrm0); "" or "none": the key file is plain */
	char tpm[KCONF_PATH_MAX];
	char village[32];                   /* "33.28.01.2001": binds the kiosk */
	char consortium_pubkey[KCONF_PATH_MAX];
	char printer[KCONF_PATH_MAX];       /* ESC/POS device; "" = none */
	char receipts_dir[KCONF_PATH_MAX];  /* PNG copies of receipts; "" = none */
	char camera[KCONF_PATH_MAX];        /* /dev/videoN; "" = none */
	char officer_key[KCONF_PATH_MAX];   /* PIN-sealed officer key file */
	char sync_drive[KCONF_PATH_MAX];    /* where the drive mounts; "": officer_key's folder */
	char roster[KCONF_PATH_MAX];        /* the roster given at provisioning */
	char i18n_dir[KCONF_PATH_MAX];
	char icons_dir[KCONF_PATH_MAX];
	char fonts_dir[KCONF_PATH_MAX];
	int screen_width, screen_height;
	double screen_diagonal_in;          /* physical size: px per mm from this */
	bool fullscreen;
	int language;                       /* enum jr_lang */
	int idle_timeout_s;
	int idle_warning_s;
	int log_max_kb;
	int printer_dots;                   /* 384 for 58 mm, 576 for 80 mm */
};

/* Compiled-in defaults (a desktop window of 800x480 at 7 inches). */
void kconfig_defaults(struct kconfig *c);
/* Sets one key from text; false (with a message in err) if the key is
 * unknown or the value does not parse. */
bool kconfig_set(struct kconfig *c, const char *key, const char *value,
	char *err, size_t errlen);
/* Reads a file over the current values. */
bool kconfig_load(struct kconfig *c, const char *path, char *err, size_t errlen);
/* Pixels per millimetre of the configured panel. */
double kconfig_px_per_mm(const struct kconfig *c);

#endif
