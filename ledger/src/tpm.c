/*
 * tpm.c — the TPM 2.0 counter and sealing over tpm2-tss's ESAPI (tpm.h).
 *
 * The primary storage key is made again on every use from the owner
 * hierarchy's seed with one fixed template (ECC NIST P-256, AES-128-CFB,
 * restricted decrypt, the TCG's SRK shape): the same TPM always gives the
 * same key, so nothing about it is stored, and another TPM gives another
 * one, under which the sealed object does not load.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tpm.h"

#define DEFAULT_TCTI "device:/dev/tpmrm0"
#define NV_COUNTER_BYTES 8

struct jr_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	char conf[128];
};

static int tss_err(struct jr_errbuf *eb, int code, const char *what, TSS2_RC rc)
{
	return jr_errf(eb, code, "TPM: %s failed (%s)", what, Tss2_RC_Decode(rc));
}

/* "device:/dev/x" names a node that must exist: asking tctildr for a
 * missing one makes it log to stderr, and a library does not print. */
static bool device_missing(const char *conf)
{
	const char *p = strncmp(conf, "device:", 7) == 0 ? conf + 7 : NULL;

	return p != NULL && access(p, R_OK | W_OK) != 0;
}

int jr_tpm_open(struct jr_tpm **out, struct jr_errbuf *eb)
{
	const char *conf = getenv("JARING_TPM");
	struct jr_tpm *t;
	TSS2_RC rc;
	int n;

	*out = NULL;
	if (conf == NULL || conf[0] == '\0')
		conf = DEFAULT_TCTI;
	if (strcmp(conf, "none") == 0 || device_missing(conf))
		return jr_errf(eb, JR_ENOTFOUND, "no TPM (%s)", conf);
	if ((t = calloc(1, sizeof *t)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "TPM: out of memory");
	n = snprintf(t->conf, sizeof t->conf, "%s", conf);
	if (n < 0 || (size_t)n >= sizeof t->conf) {
		free(t);
		return jr_errf(eb, JR_EINVAL, "JARING_TPM is too long");
	}
	rc = Tss2_TctiLdr_Initialize(t->conf, &t->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		free(t);
		return jr_errf(eb, JR_ENOTFOUND, "no TPM answers at %s (%s)", conf,
			Tss2_RC_Decode(rc));
	}
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		jr_tpm_close(t);
		return tss_err(eb, JR_EIO, "starting ESAPI", rc);
	}
	*out = t;
	return JR_OK;
}

void jr_tpm_close(struct jr_tpm *t)
{
	if (t == NULL)
		return;
	if (t->esys != NULL)
		Esys_Finalize(&t->esys);
	if (t->tcti != NULL)
		Tss2_TctiLdr_Finalize(&t->tcti);
	free(t);
}

/* ---- the counter ---------------------------------------------------- */

/* An ESYS handle for an NV index that exists and is a counter. */
static int nv_handle(struct jr_tpm *t, uint32_t index, ESYS_TR *h, bool *written,
	struct jr_errbuf *eb)
{
	TPM2B_NV_PUBLIC *pub = NULL;
	TPMA_NV a;
	TSS2_RC rc;

	rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE,
		ESYS_TR_NONE, h);
	if (rc != TSS2_RC_SUCCESS)
		return jr_errf(eb, JR_ENOTFOUND, "TPM: NV index 0x%08x is not defined",
			(unsigned)index);
	rc = Esys_NV_ReadPublic(t->esys, *h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
		&pub, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return tss_err(eb, JR_EIO, "reading the NV index's attributes", rc);
	a = pub->nvPublic.attributes;
	Esys_Free(pub);
	if (((a & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT) != TPM2_NT_COUNTER)
		return jr_errf(eb, JR_ECORRUPT,
			"TPM: NV index 0x%08x is not a monotonic counter: someone with the "
			"TPM's owner authorisation replaced it; this kiosk cannot trust its "
			"fork guard, report it to the district office", (unsigned)index);
	*written = (a & TPMA_NV_WRITTEN) != 0;
	return JR_OK;
}

static int nv_define(struct jr_tpm *t, uint32_t index, ESYS_TR *h,
	struct jr_errbuf *eb)
{
	TPM2B_AUTH auth = { .size = 0 };
	TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nvIndex = index,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) |
				TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA,
			.dataSize = NV_COUNTER_BYTES,
		},
	};
	TSS2_RC rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
		ESYS_TR_NONE, ESYS_TR_NONE, &auth, &pub, h);

	return rc == TSS2_RC_SUCCESS ? JR_OK :
		tss_err(eb, JR_EIO, "defining the NV counter", rc);
}

static int nv_read(struct jr_tpm *t, ESYS_TR h, uint64_t *value,
	struct jr_errbuf *eb)
{
	TPM2B_MAX_NV_BUFFER *d = NULL;
	TSS2_RC trc = Esys_NV_Read(t->esys, h, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
		ESYS_TR_NONE, NV_COUNTER_BYTES, 0, &d);
	size_t i;
	int rc;

	if (trc != TSS2_RC_SUCCESS)
		return tss_err(eb, JR_EIO, "reading the NV counter", trc);
	*value = 0;
	for (i = 0; i < NV_COUNTER_BYTES && i < d->size; i++)
		*value = *value << 8 | d->buffer[i];
	rc = d->size == NV_COUNTER_BYTES ? JR_OK :
		jr_errf(eb, JR_EIO, "TPM: the NV counter read %u bytes", (unsigned)d->size);
	Esys_Free(d);
	return rc;
}

static int nv_increment(struct jr_tpm *t, ESYS_TR h, uint64_t *value,
	struct jr_errbuf *eb)
{
	TSS2_RC rc = Esys_NV_Increment(t->esys, h, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
		ESYS_TR_NONE);

	if (rc != TSS2_RC_SUCCESS)
		return tss_err(eb, JR_EIO, "incrementing the NV counter", rc);
	return nv_read(t, h, value, eb);
}

int jr_tpm_counter_bind(struct jr_tpm *t, uint32_t index, uint64_t *value,
	struct jr_errbuf *eb)
{
	bool written = false; /* a fresh index is written by the increment */
	ESYS_TR h = ESYS_TR_NONE;
	int rc = nv_handle(t, index, &h, &written, eb);

	*value = 0;
	if (rc == JR_ENOTFOUND)
		rc = nv_define(t, index, &h, eb);
	return rc == JR_OK ? nv_increment(t, h, value, eb) : rc;
}

int jr_tpm_counter_read(struct jr_tpm *t, uint32_t index, uint64_t *value,
	struct jr_errbuf *eb)
{
	bool written = false;
	ESYS_TR h = ESYS_TR_NONE;
	int rc = nv_handle(t, index, &h, &written, eb);

	*value = 0;
	if (rc == JR_OK && !written)
		return jr_errf(eb, JR_ENOTFOUND, "TPM: NV counter 0x%08x was never incremented",
			(unsigned)index);
	return rc == JR_OK ? nv_read(t, h, value, eb) : rc;
}

int jr_tpm_counter_increment(struct jr_tpm *t, uint32_t index, uint64_t *value,
	struct jr_errbuf *eb)
{
	bool written = false;
	ESYS_TR h = ESYS_TR_NONE;
	int rc = nv_handle(t, index, &h, &written, eb);

	*value = 0;
	return rc == JR_OK ? nv_increment(t, h, value, eb) : rc;
}

/* ---- sealing -------------------------------------------------------- */

static int primary(struct jr_tpm *t, ESYS_TR *h, struct jr_errbuf *eb)
{
	TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_ECC,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
				TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
				TPMA_OBJECT_NODA,
			.parameters.eccDetail = {
				.symmetric = {
					.algorithm = TPM2_ALG_AES,
					.keyBits.aes = 128,
					.mode.aes = TPM2_ALG_CFB,
				},
				.scheme.scheme = TPM2_ALG_NULL,
				.curveID = TPM2_ECC_NIST_P256,
				.kdf.scheme = TPM2_ALG_NULL,
			},
		},
	};
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	TSS2_RC rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
		ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs, h,
		NULL, NULL, NULL, NULL);

	return rc == TSS2_RC_SUCCESS ? JR_OK :
		tss_err(eb, JR_EIO, "making the primary storage key", rc);
}

static int marshal(const void *v, bool is_pub, struct jr_buf *out,
	struct jr_errbuf *eb)
{
	uint8_t buf[JR_TPM_BLOB_MAX];
	size_t off = 0;
	TSS2_RC rc = is_pub ?
		Tss2_MU_TPM2B_PUBLIC_Marshal(v, buf, sizeof buf, &off) :
		Tss2_MU_TPM2B_PRIVATE_Marshal(v, buf, sizeof buf, &off);

	if (rc != TSS2_RC_SUCCESS)
		return tss_err(eb, JR_EINTERNAL, "marshalling the sealed object", rc);
	if ((out->base = malloc(off)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "TPM: out of memory");
	memcpy(out->base, buf, off);
	out->len = off;
	return JR_OK;
}

int jr_tpm_seal(struct jr_tpm *t, const uint8_t *secret, size_t len,
	struct jr_buf *pub, struct jr_buf *priv, struct jr_errbuf *eb)
{
	TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_KEYEDHASH,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA,
			.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
		},
	};
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	TPM2B_PRIVATE *opriv = NULL;
	TPM2B_PUBLIC *opub = NULL;
	ESYS_TR parent = ESYS_TR_NONE;
	TSS2_RC trc;
	int rc;

	memset(pub, 0, sizeof *pub);
	memset(priv, 0, sizeof *priv);
	if (len == 0 || len > JR_TPM_SECRET_MAX)
		return jr_errf(eb, JR_EINVAL, "TPM: a sealed secret has 1 to %d bytes",
			JR_TPM_SECRET_MAX);
	if ((rc = primary(t, &parent, eb)) != JR_OK)
		return rc;
	sens.sensitive.data.size = (UINT16)len;
	memcpy(sens.sensitive.data.buffer, secret, len);
	trc = Esys_Create(t->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
		&sens, &tmpl, &outside, &pcrs, &opriv, &opub, NULL, NULL, NULL);
	sodium_memzero(&sens, sizeof sens);
	Esys_FlushContext(t->esys, parent);
	if (trc != TSS2_RC_SUCCESS)
		return tss_err(eb, JR_EIO, "sealing", trc);
	rc = marshal(opub, true, pub, eb);
	if (rc == JR_OK)
		rc = marshal(opriv, false, priv, eb);
	Esys_Free(opub);
	Esys_Free(opriv);
	if (rc != JR_OK) {
		jr_buf_free(pub);
		jr_buf_free(priv);
	}
	return rc;
}

static int unmarshal(const uint8_t *pub, size_t publen, const uint8_t *priv,
	size_t privlen, TPM2B_PUBLIC *opub, TPM2B_PRIVATE *opriv, struct jr_errbuf *eb)
{
	size_t a = 0, b = 0;

	memset(opub, 0, sizeof *opub);
	memset(opriv, 0, sizeof *opriv);
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(pub, publen, &a, opub) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Unmarshal(priv, privlen, &b, opriv) != TSS2_RC_SUCCESS ||
	    a != publen || b != privlen)
		return jr_errf(eb, JR_EFORMAT, "TPM: the sealed object is not well-formed");
	return JR_OK;
}

int jr_tpm_unseal(struct jr_tpm *t, const uint8_t *pub, size_t publen,
	const uint8_t *priv, size_t privlen, uint8_t *out, size_t outlen,
	struct jr_errbuf *eb)
{
	TPM2B_SENSITIVE_DATA *d = NULL;
	TPM2B_PRIVATE opriv;
	TPM2B_PUBLIC opub;
	ESYS_TR parent = ESYS_TR_NONE, obj = ESYS_TR_NONE;
	TSS2_RC trc;
	int rc;

	sodium_memzero(out, outlen);
	if ((rc = unmarshal(pub, publen, priv, privlen, &opub, &opriv, eb)) != JR_OK ||
	    (rc = primary(t, &parent, eb)) != JR_OK)
		return rc;
	trc = Esys_Load(t->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
		&opriv, &opub, &obj);
	Esys_FlushContext(t->esys, parent);
	if (trc != TSS2_RC_SUCCESS)
		return jr_errf(eb, JR_EKEY,
			"this TPM cannot load the sealed key (%s): the key was sealed by another "
			"TPM — a disk copied to another board, or a TPM that was cleared",
			Tss2_RC_Decode(trc));
	trc = Esys_Unseal(t->esys, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d);
	Esys_FlushContext(t->esys, obj);
	if (trc != TSS2_RC_SUCCESS)
		return tss_err(eb, JR_EKEY, "unsealing the key", trc);
	if (d->size == outlen)
		memcpy(out, d->buffer, outlen);
	else
		rc = jr_errf(eb, JR_EFORMAT, "TPM: the sealed secret has %u bytes, not %zu",
			(unsigned)d->size, outlen);
	sodium_memzero(d->buffer, d->size);
	Esys_Free(d);
	return rc;
}
