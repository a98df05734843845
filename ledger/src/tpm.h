/*
 * tpm.h — the TPM 2.0 behind the kiosk's hardware root (internal to
 * libjaring; docs/keys.md "TPM-sealed key file", docs/firmware.md "TPM").
 *
 * Two things only, over tpm2-tss's ESAPI:
 *   - an NV index of type counter (TPM2_NT_COUNTER): a 64-bit value the TPM
 *     only ever increments (TPM2_NV_Increment), which no copy of a disk can
 *     roll back. The fork guard's high-water mark (shard.c).
 *   - a sealed data object (TPM2_ALG_KEYEDHASH, fixedTPM, fixedParent)
 *     under a primary storage key of the owner hierarchy: the TPM gives the
 *     secret back (TPM2_Unseal) only when it loads the object, which only
 *     the TPM that made it can (the object's private part is encrypted
 *     under that TPM's owner seed). The kiosk key's seed (keys.c).
 *
 * Which TPM: the TCTI configuration in the environment variable JARING_TPM
 * ("device:/dev/tpmrm0", the default; "swtpm:host=127.0.0.1,port=2321" for
 * swtpm's socket; "none" for no TPM at all). A handle is opened for one
 * operation and closed after it, so nothing holds a TPM connection open
 * between appends (swtpm's socket serves one client at a time).
 *
 * Errors: JR_ENOTFOUND when there is no TPM (or JARING_TPM=none), JR_EIO
 * when the TPM does not answer or refuses a command, JR_EKEY when a sealed
 * object does not load (another TPM, or a TPM whose owner seed changed),
 * JR_ECORRUPT when the NV index is not a counter.
 */
#ifndef JR_TPM_H
#define JR_TPM_H

#include "jaring/common.h"

/* The NV index of the kiosk's counter: in the owner's range
 * (0x01000000-0x013FFFFF), "JR" in the low bytes. */
#define JR_TPM_NV_INDEX 0x01004a52u
/* Marshalled TPM2B_PUBLIC and TPM2B_PRIVATE of a sealed object are far
 * smaller than this (about 80 and 130 bytes). */
#define JR_TPM_BLOB_MAX 512
#define JR_TPM_SECRET_MAX 64

struct jr_tpm;

int jr_tpm_open(struct jr_tpm **out, struct jr_errbuf *eb) JR_MUST_CHECK;
void jr_tpm_close(struct jr_tpm *t);

/* Defines the counter at index if it is not there (owner hierarchy, empty
 * auth), increments it once and gives the value after the increment: the
 * base a new binding counts its heights from. An index that exists must be
 * a counter (JR_ECORRUPT otherwise) and is reused: its value never goes
 * back, so a reused one only starts higher. */
int jr_tpm_counter_bind(struct jr_tpm *t, uint32_t index, uint64_t *value,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Reads the counter (JR_ENOTFOUND if the index is not defined). */
int jr_tpm_counter_read(struct jr_tpm *t, uint32_t index, uint64_t *value,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Increments the counter by one and gives the new value. */
int jr_tpm_counter_increment(struct jr_tpm *t, uint32_t index, uint64_t *value,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Seals len (1..JR_TPM_SECRET_MAX) bytes: pub and priv get the marshalled
 * TPM2B_PUBLIC and TPM2B_PRIVATE of the object (malloc'd; jr_buf_free). */
int jr_tpm_seal(struct jr_tpm *t, const uint8_t *secret, size_t len,
	struct jr_buf *pub, struct jr_buf *priv, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Loads the object and unseals exactly outlen bytes into out (zeroed on
 * failure). JR_EKEY when this TPM cannot load it. */
int jr_tpm_unseal(struct jr_tpm *t, const uint8_t *pub, size_t publen,
	const uint8_t *priv, size_t privlen, uint8_t *out, size_t outlen,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
