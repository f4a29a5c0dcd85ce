/* Talking to the TPM through the kernel's resource manager, /dev/tpmrm0: one command
 * written, its response read, each marshalled and parsed by tpm2_cmd.c. The kernel
 * offers no other way to extend a PCR. docs/measured-boot.md. */
#ifndef HARDINIT_TPM_APPLY_H
#define HARDINIT_TPM_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"
#include "tpm/tpm2_cmd.h"

#define TPM_DEVICE "/dev/tpmrm0"

/* Opens TPM_DEVICE. Returns a descriptor, -ENOENT when there is no TPM 2.0 device
 * (f says so), or another -errno. */
int tpm_apply_open(struct fault *f);

/* The TPM's PCR banks (TPM2_GetCapability). Returns 0 or -errno (-EIO: the TPM
 * refused; -EBADMSG: a malformed response). */
int tpm_apply_banks(int fd, struct tpm2_banks *ret, struct fault *f);

/* Extends PCR pcr with the n digests (one per bank) in one TPM2_PCR_Extend.
 * Returns 0 or -errno. */
int tpm_apply_extend(int fd, unsigned pcr, const struct tpm2_digest *digests, size_t n, struct fault *f);

/* Reads the PCRs of mask in alg's bank into out (ascending PCR order) with one
 * TPM2_PCR_Read. Returns 0 or -errno. */
int tpm_apply_read(int fd, uint16_t alg, uint32_t mask, struct tpm2_digest *out, struct fault *f);

/* The NV commands (tpm2_cmd.h; their -errno as its table says: -ENOENT no index,
 * -EEXIST already defined, -EACCES read-locked, …). */

/* TPM2_NV_DefineSpace of pub with an empty authValue, authorised as the owner.
 * Returns 0 or -errno. */
int tpm_apply_nv_define(int fd, const struct tpm2_nv_public *pub, struct fault *f);

/* TPM2_NV_ReadPublic of index into ret. Returns 0, -ENOENT when no index is defined
 * there, or another -errno. */
int tpm_apply_nv_read_public(int fd, uint32_t index, struct tpm2_nv_public *ret, struct fault *f);

/* TPM2_NV_Read of the first len bytes (1 to TPM2_NV_DATA_MAX) of index into out,
 * authorised by the index's empty authValue. Returns 0 or -errno; the command and
 * response buffers are zeroed before returning. */
int tpm_apply_nv_read(int fd, uint32_t index, uint8_t *out, uint16_t len, struct fault *f);

/* TPM2_NV_Write of data[0..len) at the start of index, authorised by the index's empty
 * authValue. Returns 0 or -errno; the command buffer is zeroed before returning. */
int tpm_apply_nv_write(int fd, uint32_t index, const uint8_t *data, uint16_t len, struct fault *f);

/* TPM2_NV_ReadLock of index, authorised by its empty authValue. Returns 0 or -errno. */
int tpm_apply_nv_read_lock(int fd, uint32_t index, struct fault *f);

#endif
