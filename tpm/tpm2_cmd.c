#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "tpm/tpm2_cmd.h"

#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_ST_SESSIONS 0x8002
#define TPM_CC_GET_CAPABILITY 0x0000017A
#define TPM_CC_PCR_READ 0x0000017E
#define TPM_CC_PCR_EXTEND 0x00000182
#define TPM_CAP_PCRS 0x00000005
#define TPM_RS_PW 0x40000009
#define HEADER_SIZE 10
#define PCR_SELECT_BYTES 3          /* 24 PCRs */
#define PCR_READ_DIGESTS_MAX 8      /* TPML_DIGEST holds at most 8 */

size_t tpm2_alg_digest_size(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1: return 20;
	case TPM2_ALG_SHA256: return 32;
	case TPM2_ALG_SHA384: return 48;
	case TPM2_ALG_SHA512: return 64;
	default: return 0;
	}
}

const char *tpm2_alg_name(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1: return "sha1";
	case TPM2_ALG_SHA256: return "sha256";
	case TPM2_ALG_SHA384: return "sha384";
	case TPM2_ALG_SHA512: return "sha512";
	default: return NULL;
	}
}

/* A command being written: `at` counts every byte put, also past `size`, so that one
 * check at the end tells whether it fitted. */
struct writer {
	uint8_t *buf;
	size_t size;
	size_t at;
};

static void put(struct writer *w, const void *bytes, size_t n)
{
	if (w->at <= w->size && n <= w->size - w->at)
		memcpy(w->buf + w->at, bytes, n);
	w->at += n;
}

static void put8(struct writer *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b, 2);
}

static void put32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b, 4);
}

/* Writes a uint32 at offset `at` (already counted). */
static void patch32(struct writer *w, size_t at, uint32_t v)
{
	if (at + 4 <= w->size) {
		w->buf[at] = (uint8_t)(v >> 24);
		w->buf[at + 1] = (uint8_t)(v >> 16);
		w->buf[at + 2] = (uint8_t)(v >> 8);
		w->buf[at + 3] = (uint8_t)v;
	}
}

static void put_header(struct writer *w, uint16_t tag, uint32_t cc)
{
	put16(w, tag);
	put32(w, 0);            /* commandSize: patched by finish() */
	put32(w, cc);
}

/* Patches commandSize. Returns the command's length, or -E2BIG when it overflowed. */
static ssize_t finish(struct writer *w)
{
	if (w->at > w->size || w->at > UINT32_MAX)
		return -E2BIG;
	patch32(w, 2, (uint32_t)w->at);
	return (ssize_t)w->at;
}

ssize_t tpm2_build_get_pcr_banks(uint8_t *buf, size_t size)
{
	struct writer w = { buf, size, 0 };

	put_header(&w, TPM_ST_NO_SESSIONS, TPM_CC_GET_CAPABILITY);
	put32(&w, TPM_CAP_PCRS);
	put32(&w, 0);           /* property: ignored for TPM_CAP_PCRS */
	put32(&w, 1);           /* propertyCount */
	return finish(&w);
}

ssize_t tpm2_build_pcr_extend(unsigned pcr, const struct tpm2_digest *digests, size_t n, uint8_t *buf, size_t size)
{
	struct writer w = { buf, size, 0 };

	if (pcr >= TPM2_PCRS || n == 0 || n > TPM2_BANKS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!tpm2_alg_digest_size(digests[i].alg) || digests[i].size != tpm2_alg_digest_size(digests[i].alg))
			return -EINVAL;
	put_header(&w, TPM_ST_SESSIONS, TPM_CC_PCR_EXTEND);
	put32(&w, pcr);         /* pcrHandle: a PCR's handle is its index */
	put32(&w, 9);           /* authorizationSize: one TPMS_AUTH_COMMAND below */
	put32(&w, TPM_RS_PW);   /* sessionHandle: the password session */
	put16(&w, 0);           /* nonce: empty */
	put8(&w, 0);            /* sessionAttributes */
	put16(&w, 0);           /* hmac: the empty password */
	put32(&w, (uint32_t)n); /* TPML_DIGEST_VALUES */
	for (size_t i = 0; i < n; i++) {
		put16(&w, digests[i].alg);
		put(&w, digests[i].bytes, digests[i].size);
	}
	return finish(&w);
}

ssize_t tpm2_build_pcr_read(uint16_t alg, uint32_t mask, uint8_t *buf, size_t size)
{
	struct writer w = { buf, size, 0 };

	if (!tpm2_alg_digest_size(alg) || mask == 0 || mask >> TPM2_PCRS || __builtin_popcount(mask) > PCR_READ_DIGESTS_MAX)
		return -EINVAL;
	put_header(&w, TPM_ST_NO_SESSIONS, TPM_CC_PCR_READ);
	put32(&w, 1);           /* TPML_PCR_SELECTION: one bank */
	put16(&w, alg);
	put8(&w, PCR_SELECT_BYTES);
	put8(&w, (uint8_t)mask);
	put8(&w, (uint8_t)(mask >> 8));
	put8(&w, (uint8_t)(mask >> 16));
	return finish(&w);
}

/* A response being read: each get fails once the bytes run out, and then stays failed. */
struct reader {
	const uint8_t *buf;
	size_t len;
	size_t at;
	bool bad;
};

static const uint8_t *get(struct reader *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->at) {
		r->bad = true;
		return NULL;
	}
	p = r->buf + r->at;
	r->at += n;
	return p;
}

static uint8_t get8(struct reader *r)
{
	const uint8_t *p = get(r, 1);
	return p ? p[0] : 0;
}

static uint16_t get16(struct reader *r)
{
	const uint8_t *p = get(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static uint32_t get32(struct reader *r)
{
	const uint8_t *p = get(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

/* The bytes ran out, or bytes are left over. Returns 0 or -EBADMSG. */
static int check_end(const struct reader *r, const char *what, struct fault *f)
{
	if (r->bad)
		return fault_set(f, EBADMSG, "the TPM's %s response is truncated", what);
	if (r->at != r->len)
		return fault_set(f, EBADMSG, "the TPM's %s response has %zu bytes left over", what, r->len - r->at);
	return 0;
}

int tpm2_parse_header(const uint8_t *buf, size_t len, uint32_t *rc, struct fault *f)
{
	struct reader r = { buf, len, 0, false };
	uint16_t tag = get16(&r);
	uint32_t size = get32(&r);

	*rc = get32(&r);
	if (r.bad)
		return fault_set(f, EBADMSG, "the TPM's response is %zu bytes, shorter than a header", len);
	if (tag != TPM_ST_NO_SESSIONS && tag != TPM_ST_SESSIONS)
		return fault_set(f, EBADMSG, "the TPM's response has tag 0x%04x", tag);
	if (size != len)
		return fault_set(f, EBADMSG, "the TPM's response says %u bytes, %zu came", size, len);
	return 0;
}

/* Reads the header of a response to `what`: 0 for success with the reader past it,
 * -EIO for a TPM error code, -EBADMSG for a malformed header or a success whose tag
 * is not want_tag. */
static int start(struct reader *r, uint16_t want_tag, const char *what, struct fault *f)
{
	uint32_t rc;
	int e;

	if ((e = tpm2_parse_header(r->buf, r->len, &rc, f)) < 0)
		return e;
	if (rc != 0)
		return fault_set(f, EIO, "the TPM refused %s: response code 0x%03x", what, rc);
	if (((uint16_t)(r->buf[0] << 8 | r->buf[1])) != want_tag)
		return fault_set(f, EBADMSG, "the TPM's %s response has the wrong tag", what);
	r->at = HEADER_SIZE;
	return 0;
}

/* A TPMS_PCR_SELECTION: its algorithm and the PCRs 0-23 it selects (bits past 23 are
 * dropped). Returns false when the bytes ran out. */
static bool get_selection(struct reader *r, uint16_t *alg, uint32_t *pcrs)
{
	uint8_t n;
	const uint8_t *sel;

	*alg = get16(r);
	n = get8(r);
	sel = get(r, n);
	*pcrs = 0;
	for (size_t i = 0; sel && i < n && i < PCR_SELECT_BYTES; i++)
		*pcrs |= (uint32_t)sel[i] << (8 * i);
	return !r->bad;
}

int tpm2_parse_get_pcr_banks(const uint8_t *buf, size_t len, struct tpm2_banks *ret, struct fault *f)
{
	struct reader r = { buf, len, 0, false };
	uint32_t cap, count;
	int e;

	memset(ret, 0, sizeof(*ret));
	if ((e = start(&r, TPM_ST_NO_SESSIONS, "GetCapability(PCRS)", f)) < 0)
		return e;
	(void)get8(&r);                 /* moreData: the banks all fit in one response */
	cap = get32(&r);
	count = get32(&r);
	if (!r.bad && cap != TPM_CAP_PCRS)
		return fault_set(f, EBADMSG, "the TPM answered capability 0x%x, not PCRS", cap);
	for (uint32_t i = 0; i < count && !r.bad; i++) {
		uint16_t alg;
		uint32_t pcrs;
		if (get_selection(&r, &alg, &pcrs) && ret->n < TPM2_BANKS_MAX) {
			ret->alg[ret->n] = alg;
			ret->pcrs[ret->n] = pcrs;
			ret->n++;
		}
	}
	if ((e = check_end(&r, "GetCapability(PCRS)", f)) < 0)
		memset(ret, 0, sizeof(*ret));
	return e;
}

int tpm2_parse_pcr_extend(const uint8_t *buf, size_t len, struct fault *f)
{
	struct reader r = { buf, len, 0, false };
	uint32_t param_size;
	int e;

	if ((e = start(&r, TPM_ST_SESSIONS, "PCR_Extend", f)) < 0)
		return e;
	param_size = get32(&r);
	if (!r.bad && param_size != 0)
		return fault_set(f, EBADMSG, "the TPM's PCR_Extend response has %u bytes of parameters, not 0", param_size);
	(void)get(&r, get16(&r));       /* TPMS_AUTH_RESPONSE: nonce, */
	(void)get8(&r);                 /* sessionAttributes, */
	(void)get(&r, get16(&r));       /* hmac */
	return check_end(&r, "PCR_Extend", f);
}

int tpm2_parse_pcr_read(const uint8_t *buf, size_t len, uint16_t alg, uint32_t mask, struct tpm2_digest *out,
			struct fault *f)
{
	struct reader r = { buf, len, 0, false };
	size_t want = tpm2_alg_digest_size(alg);
	uint32_t n_sel, n_dig, pcrs = 0;
	uint16_t sel_alg = 0;
	int e;

	if (!want || mask == 0 || mask >> TPM2_PCRS || __builtin_popcount(mask) > PCR_READ_DIGESTS_MAX)
		return fault_set(f, EINVAL, "a PCR read of algorithm 0x%04x, PCRs 0x%06x", alg, mask);
	if ((e = start(&r, TPM_ST_NO_SESSIONS, "PCR_Read", f)) < 0)
		return e;
	(void)get32(&r);                /* pcrUpdateCounter */
	n_sel = get32(&r);
	if (!r.bad && n_sel != 1)
		return fault_set(f, EBADMSG, "the TPM's PCR_Read response has %u selections, not 1", n_sel);
	if (!get_selection(&r, &sel_alg, &pcrs))
		return check_end(&r, "PCR_Read", f);
	if (sel_alg != alg || pcrs != mask)
		return fault_set(f, EBADMSG, "the TPM read PCRs 0x%06x of algorithm 0x%04x, not 0x%06x of 0x%04x", pcrs,
				 sel_alg, mask, alg);
	n_dig = get32(&r);
	if (!r.bad && n_dig != (uint32_t)__builtin_popcount(mask))
		return fault_set(f, EBADMSG, "the TPM's PCR_Read response has %u digests, not %d", n_dig,
				 __builtin_popcount(mask));
	for (uint32_t i = 0; i < n_dig && !r.bad; i++) {
		uint16_t size = get16(&r);
		const uint8_t *d = get(&r, size);
		if (d && size != want)
			return fault_set(f, EBADMSG, "the TPM's PCR_Read response has a digest of %u bytes, not %zu", size, want);
		if (d) {
			out[i].alg = alg;
			out[i].size = (uint8_t)size;
			memcpy(out[i].bytes, d, size);
		}
	}
	return check_end(&r, "PCR_Read", f);
}
