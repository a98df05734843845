/*
 * printer.h — receipts on 58 mm (or 80 mm) ESC/POS thermal printers.
 *
 * The picture goes as raster bit images (GS v 0, mode 0), in bands of at
 * most 128 rows so small printer buffers keep up:
 *   ESC @                          initialise
 *   per band: GS v 0 0 xL xH yL yH <bytes: row-major, 1 bit per dot, MSB
 *             left, 1 = black>, with x = width in bytes, y = rows
 *   ESC d 4                        feed 4 lines
 *   GS V 66 0                      partial cut (ignored by cutterless models)
 * Width is the configured printer_dots (384 for 58 mm at 203 dpi); the
 * picture is centred or cropped to it.
 *
 * Before printing to a character device the kiosk asks for the paper sensor
 * (DLE EOT 4); a printer that answers "paper end" is reported as out of
 * paper. Printers that do not answer within 300 ms are printed to anyway.
 */
#ifndef KIOSK_PRINTER_H
#define KIOSK_PRINTER_H

#include <stddef.h>
#include <stdint.h>

#include "jaring/common.h"
#include "jaring/image.h"

enum kprint_state {
	KPRINT_IDLE = 0,
	KPRINT_OK,
	KPRINT_NOT_CONFIGURED,
	KPRINT_MISSING,      /* no device at the path: unplugged or off */
	KPRINT_NO_PAPER,
	KPRINT_FAILED        /* opened but the write failed or timed out */
};

/* The ESC/POS bytes for img at `dots` wide (malloc'd). Dark means gray
 * below 128. */
int kescpos_encode(const struct jr_image *img, int dots, struct jr_buf *out);
/* Prints; detail gets a technical sentence for the log and the officer. */
enum kprint_state kprint(const char *device, const struct jr_image *img, int dots,
	char *detail, size_t n);

#endif
