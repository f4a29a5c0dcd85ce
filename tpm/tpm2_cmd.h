/* The few TPM 2.0 commands hardinit sends (TPM2_GetCapability for the PCR banks,
 * TPM2_PCR_Extend, TPM2_PCR_Read), marshalled into bytes and their responses parsed
 * from bytes, as the TPM 2.0 Library Specification (Part 2 structures, Part 3
 * commands) lays them out: big-endian, no allocation, no I/O. The responses come from
 * a device: every length is checked against the bytes received. docs/measured-boot.md. */
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

#endif
