/* Internal helpers shared by the sync library's files. */
#ifndef JR_SYNC_INT_H
#define JR_SYNC_INT_H

#include "jaring/sync.h"

void jr_sync_hex8(uint32_t v, char out[9]);
bool jr_sync_parse_hex8(const char *s, uint32_t *v);
bool jr_sync_name_is(const char *name, const char *ext, uint32_t *v);
/* "<drive>/JARING[/a[/b[/c]]]" into out, JR_EINVAL if too long. */
int jr_sync_path(char *out, size_t outlen, struct jr_errbuf *eb, const char *drive,
	const char *a, const char *b, const char *c);
int jr_sync_index_encode(const struct jr_key *kiosk, uint64_t time,
	const struct jr_sync_listing *l, const char *kdir, struct jr_buf *out);
/* Strict decode and signature check of INDEX.JRI bytes (docs/sync.md): true
 * if it names exactly the accepted bundles of kdir in l; *valid is false when
 * the bytes are not a well-formed index signed by the kiosk of kdir. */
bool jr_sync_index_match(const uint8_t *p, size_t len, const struct jr_sync_listing *l,
	const char *kdir, bool *valid);

#endif
