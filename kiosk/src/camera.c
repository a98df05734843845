#include <stdint.h>
#include <string.h>
#include <zbar.h>

#include "camera.h"
#include "util.h"
#include "jaring/image.h"

static enum kcam_result scan_file(const char *path, char *text, size_t n,
	char *detail, size_t dn)
{
	struct jr_image img = { 0 };
	struct jr_errbuf eb = { 0 };
	size_t len = 0;
	int err;

	if (jr_png_read(path, &img, &eb) != JR_OK) {
		kfmt(detail, dn, "{1}", eb.msg, NULL, NULL);
		return KCAM_ERROR;
	}
	err = jr_qr_scan(&img, text, n, &len, &eb);
	jr_image_free(&img);
	if (err != JR_OK) {
		kfmt(detail, dn, "{1}", eb.msg, NULL, NULL);
		return KCAM_NO_QR;
	}
	return KCAM_OK;
}

static enum kcam_result scan_video(const char *dev, int timeout_ms, char *text,
	size_t n, char *detail, size_t dn)
{
	zbar_processor_t *proc = zbar_processor_create(0);
	enum kcam_result r = KCAM_NO_QR;

	if (proc == NULL)
		return KCAM_ERROR;
	zbar_processor_set_config(proc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_processor_set_config(proc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	if (zbar_processor_init(proc, dev, 0) != 0 ||
	    zbar_processor_set_active(proc, 1) != 0) {
		kfmt(detail, dn, "{1}: cannot start the camera", dev, NULL, NULL);
		zbar_processor_destroy(proc);
		return KCAM_ERROR;
	}
	if (zbar_process_one(proc, timeout_ms) > 0) {
		const zbar_symbol_set_t *set = zbar_processor_get_results(proc);
		const zbar_symbol_t *sym = set ? zbar_symbol_set_first_symbol(set) : NULL;
		if (sym != NULL && zbar_symbol_get_type(sym) == ZBAR_QRCODE &&
		    kstrlcpy(text, zbar_symbol_get_data(sym), n))
			r = KCAM_OK;
		if (set != NULL)
			zbar_symbol_set_ref((zbar_symbol_set_t *)(uintptr_t)set, -1);
	}
	zbar_processor_set_active(proc, 0);
	zbar_processor_destroy(proc);
	return r;
}

enum kcam_result kcamera_scan(const char *spec, int timeout_ms, char *text,
	size_t n, char *detail, size_t dn)
{
	text[0] = '\0';
	kstrlcpy(detail, "", dn);
	if (spec == NULL || spec[0] == '\0') {
		kfmt(detail, dn, "no camera configured", NULL, NULL, NULL);
		return KCAM_ERROR;
	}
	if (strncmp(spec, "file:", 5) == 0)
		return scan_file(spec + 5, text, n, detail, dn);
	return scan_video(spec, timeout_ms, text, n, detail, dn);
}
