/* The few TPM 2.0 commands hardinit sends (TPM2_GetCapability for the PCR banks,
 * TPM2_PCR_Extend, TPM2_PCR_Read; for the data marker's NV index TPM2_NV_DefineSpace,
 * TPM2_NV_ReadPublic, TPM2_NV_Read, TPM2_NV_Write, TPM2_NV_ReadLock), marshalled into
 * bytes and their responses parsed from bytes, as the TPM 2.0 Library Specification
 * (Part 2 structures, Part 3 commands) lays them out: big-endian, no allocation, no
 * I/O. The responses come from a device: every length is checked against the bytes
 * received. docs/measured-boot.md. */
#ifndef HARDINIT_TPM2_CMD_H
#define HARDINIT_TPM2_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/fault.h"

#define TPM2_ALG_SHA1 0x0004
#define TPM2_ALG_SHA256 0x000B
#define TPM2_ALG_SHA384 0x000C
#define TPM2_ALG_SHA512 0x000D

#define TPM2_PCRS 24                /* PCRs per bank on a PC Client TPM */
#define TPM2_DIGEST_MAX 64          /* bytes of the largest digest (SHA-512) */
#define TPM2_BANKS_MAX 16           /* banks kept from a capability response */
#define TPM2_BUFFER_MAX 4096        /* a command or response (the TPM's usual limit) */

#define TPM2_RH_OWNER 0x40000001    /* the owner hierarchy: authorises NV_DefineSpace */
#define TPM2_NV_DATA_MAX 512        /* bytes hardinit reads or writes in one NV command
				     * (every TPM's MAX_NV_BUFFER_SIZE is at least this) */

/* TPMA_NV: the attributes of an NV index (Part 2, 13.4) that hardinit names. */
#define TPM2_NV_AUTHWRITE (1u << 2)         /* written with the index's own authValue */
#define TPM2_NV_POLICY_DELETE (1u << 10)
#define TPM2_NV_AUTHREAD (1u << 18)         /* read with the index's own authValue */
#define TPM2_NV_NO_DA (1u << 25)            /* no dictionary-attack protection */
#define TPM2_NV_ORDERLY (1u << 26)          /* kept in RAM until an orderly shutdown */
#define TPM2_NV_READLOCKED (1u << 28)       /* state: NV_ReadLock since the last Startup(CLEAR) */
#define TPM2_NV_WRITTEN (1u << 29)          /* state: written at least once */
#define TPM2_NV_READ_STCLEAR (1u << 31)     /* NV_ReadLock allowed, until the next Startup(CLEAR) */

struct tpm2_digest {
	uint16_t alg;                 /* TPM2_ALG_* */
	uint8_t size;                 /* tpm2_alg_digest_size(alg) */
	uint8_t bytes[TPM2_DIGEST_MAX];
};

/* The TPM's PCR banks (TPM_CAP_PCRS): each bank's algorithm and which PCRs it has. */
struct tpm2_banks {
	size_t n;
	uint16_t alg[TPM2_BANKS_MAX];
	uint32_t pcrs[TPM2_BANKS_MAX];  /* bit i: PCR i is allocated in this bank */
};

/* An NV index's public area (TPMS_NV_PUBLIC): its handle, name algorithm,
 * attributes (TPMA_NV), authorisation policy (policy_size bytes, 0: none) and size. */
struct tpm2_nv_public {
	uint32_t index;
	uint16_t name_alg;
	uint32_t attributes;
	uint16_t policy_size;
	uint8_t policy[TPM2_DIGEST_MAX];
	uint16_t data_size;
};

/* The digest size of a hash algorithm hardinit knows (SHA-1, SHA-256, SHA-384,
 * SHA-512), or 0 for any other. */
size_t tpm2_alg_digest_size(uint16_t alg);

/* "sha1", "sha256", "sha384", "sha512", or NULL for any other algorithm. */
const char *tpm2_alg_name(uint16_t alg);

/* TPM2_GetCapability(TPM_CAP_PCRS, 0, 1): the TPM's PCR banks. Writes the command into
 * buf. Returns its length, or -E2BIG when it does not fit in size bytes. */
ssize_t tpm2_build_get_pcr_banks(uint8_t *buf, size_t size);

/* TPM2_PCR_Extend of PCR pcr (0-23) with the n digests (one per bank, 1 to
 * TPM2_BANKS_MAX, each of a known algorithm and its size), authorised by the empty
 * password session (PCRs 0-23 have an empty auth value on a PC Client TPM).
 * Returns the command's length, -EINVAL for a bad pcr or digest, or -E2BIG. */
ssize_t tpm2_build_pcr_extend(unsigned pcr, const struct tpm2_digest *digests, size_t n, uint8_t *buf, size_t size);

/* TPM2_PCR_Read of the PCRs in mask (bit i: PCR i, at most 8 of them) in the bank of
 * alg (a known algorithm). Returns the command's length, -EINVAL, or -E2BIG. */
ssize_t tpm2_build_pcr_read(uint16_t alg, uint32_t mask, uint8_t *buf, size_t size);

/* Checks a response's header: at least 10 bytes, a tag of TPM_ST_NO_SESSIONS or
 * TPM_ST_SESSIONS, a responseSize equal to len. Returns 0 with *rc set to the response
 * code (0: success), or -EBADMSG (f says why). */
int tpm2_parse_header(const uint8_t *buf, size_t len, uint32_t *rc, struct fault *f);

/* The response to tpm2_build_get_pcr_banks: a successful TPMS_CAPABILITY_DATA of
 * TPM_CAP_PCRS whose TPML_PCR_SELECTION fits the bytes received exactly. Banks past
 * TPM2_BANKS_MAX, and select bits past PCR 23, are left out. Returns 0, -EIO for a
 * TPM error code (f names it), or -EBADMSG. */
int tpm2_parse_get_pcr_banks(const uint8_t *buf, size_t len, struct tpm2_banks *ret, struct fault *f);

/* The response to tpm2_build_pcr_extend: success, with the parameter size and the one
 * session's (empty) response area it must carry. Returns 0, -EIO (a TPM error code), or
 * -EBADMSG. */
int tpm2_parse_pcr_extend(const uint8_t *buf, size_t len, struct fault *f);

/* The response to tpm2_build_pcr_read(alg, mask): one selection, of alg, selecting
 * exactly mask, and one digest of alg's size per PCR, in ascending PCR order, filling
 * out[0..popcount(mask)-1]. A TPM that returns fewer PCRs than asked is an error.
 * Returns 0, -EIO (a TPM error code), or -EBADMSG. */
int tpm2_parse_pcr_read(const uint8_t *buf, size_t len, uint16_t alg, uint32_t mask, struct tpm2_digest *out,
			struct fault *f);

/* TPM2_NV_DefineSpace of the index pub describes (a handle 0x01xxxxxx, a known name
 * algorithm, a policy of 0 bytes or of that algorithm's digest size, a data size of 1
 * to TPM2_NV_DATA_MAX), with an empty authValue, authorised as TPM_RH_OWNER by the
 * empty password session (the owner's authValue is empty on a TPM nobody took).
 * Returns the command's length, -EINVAL for a bad pub, or -E2BIG. */
ssize_t tpm2_build_nv_define_space(const struct tpm2_nv_public *pub, uint8_t *buf, size_t size);

/* TPM2_NV_ReadPublic of index (a handle 0x01xxxxxx; no authorisation). Returns the
 * command's length, -EINVAL, or -E2BIG. */
ssize_t tpm2_build_nv_read_public(uint32_t index, uint8_t *buf, size_t size);

/* TPM2_NV_Read of len bytes (1 to TPM2_NV_DATA_MAX) at offset of index, authorised by
 * the index itself (TPMA_NV_AUTHREAD) with the empty password session. Returns the
 * command's length, -EINVAL, or -E2BIG. */
ssize_t tpm2_build_nv_read(uint32_t index, uint16_t len, uint16_t offset, uint8_t *buf, size_t size);

/* TPM2_NV_Write of data[0..len) (1 to TPM2_NV_DATA_MAX bytes) at offset of index,
 * authorised by the index itself (TPMA_NV_AUTHWRITE) with the empty password session.
 * Returns the command's length, -EINVAL, or -E2BIG. */
ssize_t tpm2_build_nv_write(uint32_t index, const uint8_t *data, uint16_t len, uint16_t offset, uint8_t *buf,
			    size_t size);

/* TPM2_NV_ReadLock of index (TPMA_NV_READ_STCLEAR): no NV_Read of it succeeds until
 * the TPM's next Startup(CLEAR). Authorised by the index itself with the empty
 * password session. Returns the command's length, -EINVAL, or -E2BIG. */
ssize_t tpm2_build_nv_read_lock(uint32_t index, uint8_t *buf, size_t size);

/* The responses to the NV commands. A TPM error code is told apart where hardinit
 * acts on it (f names the code in every case):
 *   -ENOENT   TPM_RC_HANDLE: no index at that handle;
 *   -EEXIST   TPM_RC_NV_DEFINED: NV_DefineSpace of a handle already defined;
 *   -EACCES   TPM_RC_NV_LOCKED: read-locked (or write-locked);
 *   -ENODATA  TPM_RC_NV_UNINITIALIZED: NV_Read of an index never written;
 *   -ENOSPC   TPM_RC_NV_SPACE: no room for another index;
 *   -EAGAIN   TPM_RC_NV_RATE, TPM_RC_NV_UNAVAILABLE: NV is busy or rate-limited;
 *   -EIO      any other code;
 * -EBADMSG for a malformed response. */

/* The response to NV_DefineSpace, NV_Write or NV_ReadLock: success with no parameters
 * and the one session's response area. what names the command in f. Returns 0 or
 * -errno as above. */
int tpm2_parse_nv_no_params(const uint8_t *buf, size_t len, const char *what, struct fault *f);

/* The response to tpm2_build_nv_read_public(index): a TPM2B_NV_PUBLIC of index whose
 * size covers exactly its fields (a policy of at most TPM2_DIGEST_MAX bytes), then a
 * TPM2B_NAME that starts with the index's name algorithm (and, for an algorithm
 * hardinit knows, has its digest size), and nothing else. Returns 0 with ret filled, or
 * -errno as above. */
int tpm2_parse_nv_read_public(const uint8_t *buf, size_t len, uint32_t index, struct tpm2_nv_public *ret,
			      struct fault *f);

/* The response to tpm2_build_nv_read(…, want, …): exactly want bytes of data, copied
 * into out (want bytes), a parameter size that covers them exactly, and the session's
 * response area. Returns 0, or -errno as above (out untouched then). */
int tpm2_parse_nv_read(const uint8_t *buf, size_t len, uint8_t *out, uint16_t want, struct fault *f);

#endif
