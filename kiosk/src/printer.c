#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "printer.h"
#include "util.h"

#define BAND_ROWS 128

int kescpos_encode(const struct jr_image *img, int dots, struct jr_buf *out)
{
	size_t wb = (size_t)dots / 8, rows = (size_t)img->h;
	size_t bands = (rows + BAND_ROWS - 1) / BAND_ROWS;
	size_t cap = 2 + bands * 8 + wb * rows + 3 + 4;
	int x0 = (img->w - dots) / 2;
	uint8_t *p;
	size_t o = 0;

	out->base = NULL;
	out->len = 0;
	if (dots <= 0 || dots % 8 != 0 || img->w <= 0 || img->h <= 0 || wb > 255 * 8)
		return JR_EINVAL;
	p = calloc(1, cap);
	if (p == NULL)
		return JR_ENOMEM;
	p[o++] = 0x1B, p[o++] = '@';
	for (size_t b = 0; b < bands; b++) {
		size_t y0 = b * BAND_ROWS, n = rows - y0 < BAND_ROWS ? rows - y0 : BAND_ROWS;
		p[o++] = 0x1D, p[o++] = 'v', p[o++] = '0', p[o++] = 0;
		p[o++] = (uint8_t)(wb & 0xFF), p[o++] = (uint8_t)(wb >> 8);
		p[o++] = (uint8_t)(n & 0xFF), p[o++] = (uint8_t)(n >> 8);
		for (size_t y = y0; y < y0 + n; y++)
			for (int x = 0; x < dots; x++) {
				int sx = x + x0;
				if (sx < 0 || sx >= img->w ||
				    img->pix[y * (size_t)img->w + (size_t)sx] >= 128)
					continue;
				p[o + (y - y0) * wb + (size_t)x / 8] |= (uint8_t)(0x80 >> (x % 8));
			}
		o += wb * n;
	}
	p[o++] = 0x1B, p[o++] = 'd', p[o++] = 4;
	p[o++] = 0x1D, p[o++] = 'V', p[o++] = 66, p[o++] = 0;
	out->base = p;
	out->len = o;
	return JR_OK;
}

/* Asks a character device for its paper sensor. 1 = paper end, 0 = fine
 * or no answer. */
static int paper_end(int fd)
{
	static const uint8_t q[3] = { 0x10, 0x04, 0x04 };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t r;

	if (write(fd, q, sizeof q) != (ssize_t)sizeof q)
		return 0;
	if (poll(&pfd, 1, 300) != 1 || read(fd, &r, 1) != 1)
		return 0;
	/* Fixed bits 0x12 set and bit 4 clear identify a status byte;
	 * 0x60 is "paper end detected". */
	return (r & 0x93) == 0x12 && (r & 0x60) == 0x60;
}

static bool write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t w;
		if (poll(&pfd, 1, 5000) != 1)
			return false;
		w = write(fd, p, len);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

static void set_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) != 0)
		return;
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
}

enum kprint_state kprint(const char *device, const struct jr_image *img, int dots,
	char *detail, size_t n)
{
	struct jr_buf bytes = { 0 };
	struct stat st;
	enum kprint_state s = KPRINT_OK;
	int fd;

	kstrlcpy(detail, "", n);
	if (device == NULL || device[0] == '\0')
		return KPRINT_NOT_CONFIGURED;
	fd = open(device, O_RDWR | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == EACCES)
		fd = open(device, O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		kfmt(detail, n, "{1}: {2}", device, strerror(errno), NULL);
		return errno == ENOENT || errno == ENODEV || errno == ENXIO ? KPRINT_MISSING :
			KPRINT_FAILED;
	}
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		if (isatty(fd))
			set_raw(fd);
		if (paper_end(fd)) {
			kfmt(detail, n, "{1}: paper end", device, NULL, NULL);
			close(fd);
			return KPRINT_NO_PAPER;
		}
	}
	if (kescpos_encode(img, dots, &bytes) != JR_OK) {
		kfmt(detail, n, "cannot encode the receipt for the printer", NULL, NULL, NULL);
		s = KPRINT_FAILED;
	} else if (!write_all(fd, bytes.base, bytes.len)) {
		kfmt(detail, n, "{1}: the printer did not take the receipt ({2})", device,
			strerror(errno), NULL);
		s = KPRINT_FAILED;
	}
	jr_buf_free(&bytes);
	if (close(fd) != 0 && s == KPRINT_OK) {
		kfmt(detail, n, "{1}: {2}", device, strerror(errno), NULL);
		s = KPRINT_FAILED;
	}
	return s;
}
