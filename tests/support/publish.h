/*
 * publish.h — a test's public export of a centre state (docs/export.md):
 * the checkpoint of its whole log, signed by a log key and cosigned by one
 * witness (keys from fixed seeds: 32 x 0x71, 32 x 0x72), the export written
 * with jr_centre_export into out, and the tlog-policy that trusts them
 * written to policy_path (what jaring-audit --policy reads). Shared by
 * tests/bench/bench_audit.c and audit/tests/audit_rotation.c.
 *
 * A static inline function: each includer gets its own copy.
 */
#ifndef JR_TEST_PUBLISH_H
#define JR_TEST_PUBLISH_H

#include <stdio.h>
#include <string.h>

#include "jaring/centre.h"
#include "jaring/tlog.h"

static inline int jr_test_publish(struct jr_centre *c, const char *origin, const char *out,
	const char *policy_path, struct jr_errbuf *eb)
{
	static const char wname[] = "witness.test.jaring.id/one";
	uint8_t seed[JR_SEED_BYTES], root[JR_HASH_BYTES];
	struct jr_key *lk = NULL, *wk = NULL;
	struct jr_note_verifier v[2];
	struct jr_pubkey lp, wp;
	struct jr_buf note = { 0 }, cp = { 0 };
	char text[JR_CHECKPOINT_TEXT_MAX + 1], vk[2][JR_NOTE_VKEY_MAX], pol[2048];
	size_t len = 0;
	int rc;

	memset(seed, 0x71, sizeof seed);
	rc = jr_key_from_seed(JR_ROLE_NODE, seed, &lk);
	memset(seed, 0x72, sizeof seed);
	if (rc == JR_OK)
		rc = jr_key_from_seed(JR_ROLE_NODE, seed, &wk);
	if (rc == JR_OK)
		rc = jr_centre_tlog_root(c, root);
	if (rc == JR_OK)
		rc = jr_checkpoint_format(origin, jr_centre_tlog_size(c), root, text, sizeof text,
			&len);
	if (rc == JR_OK)
		rc = jr_note_sign(lk, origin, (const uint8_t *)text, len, &note, eb);
	if (rc == JR_OK)
		rc = jr_checkpoint_cosign(wk, wname, 1718000000, note.base, note.len, &cp, eb);
	if (rc == JR_OK) {
		jr_key_public(lk, &lp);
		jr_key_public(wk, &wp);
		rc = jr_note_verifier_make(origin, JR_NOTE_ALG_ED25519, lp.sign_pk, &v[0]);
	}
	if (rc == JR_OK)
		rc = jr_note_verifier_make(wname, JR_NOTE_ALG_COSIG_V1, wp.sign_pk, &v[1]);
	if (rc == JR_OK)
		rc = jr_note_vkey_format(&v[0], vk[0], sizeof vk[0]);
	if (rc == JR_OK)
		rc = jr_note_vkey_format(&v[1], vk[1], sizeof vk[1]);
	if (rc == JR_OK) {
		struct jr_tlog_policy p = { v[0], &v[1], 1, 1 };

		rc = jr_centre_export(c, jr_centre_tlog_size(c), cp.base, cp.len, &p, out, NULL,
			NULL, eb);
	}
	if (rc == JR_OK) {
		int n = snprintf(pol, sizeof pol, "log %s\nwitness one %s\ngroup g 1 one\n"
			"quorum g\n", vk[0], vk[1]);

		rc = n > 0 && (size_t)n < sizeof pol ? jr_file_write_atomic(policy_path,
			(const uint8_t *)pol, (size_t)n, 0644, eb) : JR_EINTERNAL;
	}
	jr_buf_free(&note);
	jr_buf_free(&cp);
	jr_key_free(lk);
	jr_key_free(wk);
	return rc;
}

#endif
