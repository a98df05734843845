/*
 * jaring/image.h — QR rendering (libqrencode), PNG files (libpng) and QR
 * scanning (libzbar) on 8-bit grayscale images.
 */
#ifndef JARING_IMAGE_H
#define JARING_IMAGE_H

#include "common.h"

#define JR_IMAGE_MAX_SIDE 8192

struct jr_image {
	int w, h;
	uint8_t *pix; /* w*h bytes, row-major, 0 black .. 255 white; malloc'd */
};

JR_API int jr_image_new(int w, int h, uint8_t fill, struct jr_image *out)
	JR_MUST_CHECK;
JR_API void jr_image_free(struct jr_image *img);

/* Alphanumeric-mode QR at level M of at most `max_version`, each module
 * scale x scale pixels, with a quiet zone of `margin` modules. *version gets
 * the version used. JR_ETOOBIG if the text needs a larger version, JR_EINVAL
 * if it has characters outside the alphanumeric set. */
JR_API int jr_qr_render(const char *text, int max_version, int scale, int margin,
	struct jr_image *out, int *version, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Written atomically (jr_file_write_atomic: a temporary file created with
 * O_EXCL and fchmod'ed, then renamed over path), mode 0600 whatever the
 * umask: a receipt image shows a worker's masked name and QR code, so it is
 * for the kiosk's own user only. An existing file is replaced. */
JR_API int jr_png_write(const struct jr_image *img, const char *path,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Any PNG (gray, RGB, palette, alpha, 16-bit) to 8-bit gray. */
JR_API int jr_png_read(const char *path, struct jr_image *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Scans for QR codes; returns the first one's text in out (NUL-terminated,
 * *outlen without NUL). JR_ENOTFOUND if none. */
JR_API int jr_qr_scan(const struct jr_image *img, char *out, size_t outmax,
	size_t *outlen, struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
