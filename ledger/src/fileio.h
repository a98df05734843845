/*
 * fileio.h — internal file helpers behind jr_file_write_atomic and
 * jr_file_read (keys.h), for modules that need a variant the public pair
 * does not offer.
 */
#ifndef JR_FILEIO_H
#define JR_FILEIO_H

#include "jaring/common.h"

/* As jr_file_write_atomic; when replace is false an existing `path` is left
 * alone and the call fails with JR_EEXIST (rename without replacing, so two
 * writers cannot both succeed). */
int jr_file_write_atomic_ex(const char *path, const uint8_t *p, size_t len,
	unsigned mode, bool replace, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Reads a whole file of at most max bytes into sodium_malloc'd memory
 * (*out, free with sodium_free; *len bytes). With private_only, a file that
 * any group or other permission bit opens up is refused with JR_EKEY before
 * a byte is read; the mode is taken from the open descriptor (fstat), so it
 * is the file that is read. `what` names the file for messages ("key file"). */
int jr_file_read_secret(const char *path, size_t max, bool private_only,
	const char *what, uint8_t **out, size_t *len, struct jr_errbuf *eb)
	JR_MUST_CHECK;

#endif
