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

#endif
