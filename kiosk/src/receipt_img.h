/* receipt_img.h — the printed receipt as a picture (see receipt_img.c). */
#ifndef KIOSK_RECEIPT_IMG_H
#define KIOSK_RECEIPT_IMG_H

#include "app.h"

/* Draws the receipt for `rc` with QR `text` and typed `code` in the current
 * language into *out (free with jr_image_free). */
int kreceipt_image(struct kapp *a, const struct jr_receipt *rc, const char *text,
	const char *code, struct jr_image *out, char *err, size_t errlen);

#endif
