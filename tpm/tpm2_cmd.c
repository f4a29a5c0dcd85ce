#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "tpm/tpm2_cmd.h"

#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_ST_SESSIONS 0x8002
#define TPM_CC_GET_CAPABILITY 0x0000017A
#define TPM_CC_PCR_READ 0x0000017E
#define TPM_CC_PCR_EXTEND 0x00000182
#define TPM_CC_NV_DEFINE_SPACE 0x0000012A
#define TPM_CC_NV_WRITE 0x00000137
#define TPM_CC_NV_READ 0x0000014E
#define TPM_CC_NV_READ_LOCK 0x0000014F
#define TPM_CC_NV_READ_PUBLIC 0x00000169
#define TPM_HT_NV_INDEX 0x01        /* the top byte of an NV index's handle */
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

/* The authorization area of one password session with the empty password. */
static void put_password_session(struct writer *w)
{
	put32(w, 9);            /* authorizationSize: one TPMS_AUTH_COMMAND below */
	put32(w, TPM_RS_PW);    /* sessionHandle: the password session */
	put16(w, 0);            /* nonce: empty */
	put8(w, 0);             /* sessionAttributes */
	put16(w, 0);            /* hmac: the empty password */
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
	put_password_session(&w);
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

static bool nv_index_ok(uint32_t index)
{
	return index >> 24 == TPM_HT_NV_INDEX;
}

/* The header and handles of an NV command authorised by the index itself (authHandle
 * and nvIndex both the index) with the empty password session. */
static void put_nv_auth_by_index(struct writer *w, uint32_t cc, uint32_t index)
{
	put_header(w, TPM_ST_SESSIONS, cc);
	put32(w, index);        /* authHandle */
	put32(w, index);        /* nvIndex */
	put_password_session(w);
}

ssize_t tpm2_build_nv_define_space(const struct tpm2_nv_public *pub, uint8_t *buf, size_t size)
{
	struct writer w = { buf, size, 0 };
	size_t digest = tpm2_alg_digest_size(pub->name_alg);

	if (!nv_index_ok(pub->index) || !digest || (pub->policy_size != 0 && pub->policy_size != digest) ||
	    pub->data_size == 0 || pub->data_size > TPM2_NV_DATA_MAX)
		return -EINVAL;
	put_header(&w, TPM_ST_SESSIONS, TPM_CC_NV_DEFINE_SPACE);
	put32(&w, TPM2_RH_OWNER);                       /* authHandle */
	put_password_session(&w);
	put16(&w, 0);                                   /* auth: the index's authValue, empty */
	put16(&w, (uint16_t)(4 + 2 + 4 + 2 + pub->policy_size + 2)); /* TPM2B_NV_PUBLIC */
	put32(&w, pub->index);
	put16(&w, pub->name_alg);
	put32(&w, pub->attributes);
	put16(&w, pub->policy_size);
	put(&w, pub->policy, pub->policy_size);
	put16(&w, pub->data_size);
	return finish(&w);
}

ssize_t tpm2_build_nv_read_public(uint32_t index, uint8_t *buf, size_t size)
{
	struct writer w = { buf, size, 0 };

	if (!nv_index_ok(index))
		return -EINVAL;
	put_header(&w, TPM_ST_NO_SESSIONS, TPM_CC_NV_READ_PUBLIC);
	put32(&w, index);
	return finish(&w);
}

ssize_t tpm2_build_nv_read(uint32_t index, uint16_t len, uint16_t offset, uint8_t *buf, size_t size)
{
	struct writer w = { buf, size, 0 };

	if (!nv_index_ok(index) || len == 0 || len > TPM2_NV_DATA_MAX)
		return -EINVAL;
	put_nv_auth_by_index(&w, TPM_CC_NV_READ, index);
	put16(&w, len);                                 /* size */
	put16(&w, offset);
	return finish(&w);
}

ssize_t tpm2_build_nv_write(uint32_t index, const uint8_t *data, uint16_t len, uint16_t offset, uint8_t *buf,
			    size_t size)
{
	struct writer w = { buf, size, 0 };

	if (!nv_index_ok(index) || len == 0 || len > TPM2_NV_DATA_MAX)
		return -EINVAL;
	put_nv_auth_by_index(&w, TPM_CC_NV_WRITE, index);
	put16(&w, len);                                 /* TPM2B_MAX_NV_BUFFER */
	put(&w, data, len);
	put16(&w, offset);
	return finish(&w);
}

ssize_t tpm2_build_nv_read_lock(uint32_t index, uint8_t *buf, size_t size)
{
	struct writer w = { buf, size, 0 };

	if (!nv_index_ok(index))
		return -EINVAL;
	put_nv_auth_by_index(&w, TPM_CC_NV_READ_LOCK, index);
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

/* Skips the one session's response area (TPMS_AUTH_RESPONSE); the bytes running out
 * is left for check_end. */
static void skip_session(struct reader *r)
{
	(void)get(r, get16(r));         /* nonce */
	(void)get8(r);                  /* sessionAttributes */
	(void)get(r, get16(r));         /* hmac */
}

/* The rest of a successful response to a command with one session and no response
 * parameters. Returns 0 or -EBADMSG. */
static int parse_no_params(struct reader *r, const char *what, struct fault *f)
{
	uint32_t param_size = get32(r);

	if (!r->bad && param_size != 0)
		return fault_set(f, EBADMSG, "the TPM's %s response has %u bytes of parameters, not 0", what, param_size);
	skip_session(r);
	return check_end(r, what, f);
}

int tpm2_parse_pcr_extend(const uint8_t *buf, size_t len, struct fault *f)
{
	struct reader r = { buf, len, 0, false };
	int e;

	if ((e = start(&r, TPM_ST_SESSIONS, "PCR_Extend", f)) < 0)
		return e;
	return parse_no_params(&r, "PCR_Extend", f);
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

/* What an NV command's response code means to hardinit: the -errno of
 * tpm2_cmd.h's table. A format-1 code (bit 7) carries the handle, session or parameter
 * it concerns in bits 6 and 8-11; TPM_RC_HANDLE is 0x0B on a handle (bits 6 and 11
 * clear). */
static int nv_refused(uint32_t rc, const char *what, struct fault *f)
{
	const char *why = "";
	int e = EIO;

	if ((rc & 0x080) && (rc & 0x03F) == 0x00B && !(rc & 0x840)) {
		e = ENOENT;
		why = " (TPM_RC_HANDLE: no such index)";
	} else {
		switch (rc) {
		case 0x14C: e = EEXIST, why = " (TPM_RC_NV_DEFINED)"; break;
		case 0x148: e = EACCES, why = " (TPM_RC_NV_LOCKED)"; break;
		case 0x14A: e = ENODATA, why = " (TPM_RC_NV_UNINITIALIZED)"; break;
		case 0x14B: e = ENOSPC, why = " (TPM_RC_NV_SPACE)"; break;
		case 0x920: e = EAGAIN, why = " (TPM_RC_NV_RATE)"; break;
		case 0x923: e = EAGAIN, why = " (TPM_RC_NV_UNAVAILABLE)"; break;
		default: break;
		}
	}
	return fault_set(f, e, "the TPM refused %s: response code 0x%03x%s", what, rc, why);
}

/* start() for an NV command: a TPM error code mapped by nv_refused(). */
static int nv_start(struct reader *r, uint16_t want_tag, const char *what, struct fault *f)
{
	uint32_t rc;
	int e;

	if ((e = tpm2_parse_header(r->buf, r->len, &rc, f)) < 0)
		return e;
	if (rc != 0)
		return nv_refused(rc, what, f);
	return start(r, want_tag, what, f);
}

int tpm2_parse_nv_no_params(const uint8_t *buf, size_t len, const char *what, struct fault *f)
{
	struct reader r = { buf, len, 0, false };
	int e;

	if ((e = nv_start(&r, TPM_ST_SESSIONS, what, f)) < 0)
		return e;
	return parse_no_params(&r, what, f);
}

int tpm2_parse_nv_read_public(const uint8_t *buf, size_t len, uint32_t index, struct tpm2_nv_public *ret,
			      struct fault *f)
{
	struct reader r = { buf, len, 0, false };
	struct tpm2_nv_public pub = { 0 };
	uint16_t size, name_size;
	size_t from, digest;
	const uint8_t *p;
	int e;

	if ((e = nv_start(&r, TPM_ST_NO_SESSIONS, "NV_ReadPublic", f)) < 0)
		return e;
	size = get16(&r);               /* TPM2B_NV_PUBLIC */
	from = r.at;
	pub.index = get32(&r);
	pub.name_alg = get16(&r);
	pub.attributes = get32(&r);
	pub.policy_size = get16(&r);
	if (!r.bad && pub.policy_size > TPM2_DIGEST_MAX)
		return fault_set(f, EBADMSG, "the TPM's NV_ReadPublic response has a policy of %u bytes", pub.policy_size);
	if ((p = get(&r, pub.policy_size)))
		memcpy(pub.policy, p, pub.policy_size);
	pub.data_size = get16(&r);
	if (!r.bad && r.at - from != size)
		return fault_set(f, EBADMSG, "the TPM's NV_ReadPublic response says a public area of %u bytes, not %zu",
				 size, r.at - from);
	if (!r.bad && pub.index != index)
		return fault_set(f, EBADMSG, "the TPM answered NV_ReadPublic of 0x%08x with index 0x%08x", index,
				 pub.index);
	name_size = get16(&r);          /* TPM2B_NAME: nameAlg, then the digest */
	p = get(&r, name_size);
	digest = tpm2_alg_digest_size(pub.name_alg);
	if (p && (name_size < 2 || name_size > 2 + TPM2_DIGEST_MAX || (uint16_t)(p[0] << 8 | p[1]) != pub.name_alg ||
		  (digest && name_size != 2 + digest)))
		return fault_set(f, EBADMSG, "the TPM's NV_ReadPublic response has a name of %u bytes that does not "
				 "match name algorithm 0x%04x", name_size, pub.name_alg);
	if ((e = check_end(&r, "NV_ReadPublic", f)) < 0)
		return e;
	*ret = pub;
	return 0;
}

int tpm2_parse_nv_read(const uint8_t *buf, size_t len, uint8_t *out, uint16_t want, struct fault *f)
{
	struct reader r = { buf, len, 0, false };
	uint32_t param_size;
	uint16_t size;
	const uint8_t *data;
	int e;

	if ((e = nv_start(&r, TPM_ST_SESSIONS, "NV_Read", f)) < 0)
		return e;
	param_size = get32(&r);
	size = get16(&r);               /* TPM2B_MAX_NV_BUFFER */
	data = get(&r, size);
	if (!r.bad && param_size != 2u + size)
		return fault_set(f, EBADMSG, "the TPM's NV_Read response has %u bytes of parameters for %u bytes of data",
				 param_size, size);
	if (!r.bad && size != want)
		return fault_set(f, EBADMSG, "the TPM's NV_Read response has %u bytes of data, not %u", size, want);
	skip_session(&r);
	if ((e = check_end(&r, "NV_Read", f)) < 0)
		return e;
	memcpy(out, data, want);
	return 0;
}
