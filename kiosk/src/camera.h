/*
 * camera.h — reading a receipt's QR for the status check.
 *
 * The configured camera is either a V4L2 device ("/dev/video0"), read with
 * zbar's video support (zbar_processor) until a QR is decoded or the time
 * runs out, or "file:PATH": a picture file scanned with jr_png_read and
 * jr_qr_scan (the scripted sessions use it to feed printed receipts and
 * forged ones; a demo kiosk without a camera can use it too). The V4L2
 * path needs a real camera and is not exercised by the tests.
 */
#ifndef KIOSK_CAMERA_H
#define KIOSK_CAMERA_H

#include <stdbool.h>
#include <stddef.h>

enum kcam_result {
	KCAM_OK = 0,       /* text holds the QR's text */
	KCAM_NO_QR,        /* a picture, but no QR found in it */
	KCAM_ERROR         /* no picture: no camera, unreadable file */
};

enum kcam_result kcamera_scan(const char *spec, int timeout_ms, char *text,
	size_t n, char *detail, size_t dn);

#endif
