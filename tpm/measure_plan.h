/* What hardinit measures into the TPM, decided from text: the boot phases systemd
 * extends into PCR 11 ("enter-initrd", "leave-initrd"), so that `systemd-measure`
 * predicts PCR 11 for a boot image, and the booted image's identity (slot, image
 * version, root hash) into PCR 15 for attestation. Pure: hashing with libcrypto, no
 * I/O. docs/measured-boot.md. */
#ifndef HARDINIT_MEASURE_PLAN_H
#define HARDINIT_MEASURE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"
#include "tpm/tpm2_cmd.h"

#define MEASURE_PCR_PHASE 11         /* systemd-stub's boot image and systemd's boot phases */
#define MEASURE_PCR_IDENTITY 15      /* the registry's "system identity" PCR */
#define MEASURE_PHASE_ENTER "enter-initrd"
#define MEASURE_PHASE_LEAVE "leave-initrd"
#define MEASURE_IDENTITY_MAX 200     /* bytes of the identity text, NUL included */

/* True if the stub's StubPcrKernelImage variable (its text; "" when unset) says it
 * measured the boot image into PCR 11: only then does PCR 11 mean what systemd's
 * phases assume, and hardinit extends it (systemd-pcrphase's own condition). */
bool measure_plan_stub_measured(const char *stub_pcr_kernel_image);

/* The digests to extend for `text` (its bytes, no NUL: what systemd-pcrphase hashes),
 * one per bank of `banks` that has PCR pcr and an algorithm hardinit knows, into
 * out[0..TPM2_BANKS_MAX-1]. Returns the number of digests (0: no bank to extend), or
 * -EINVAL when the text is empty (systemd refuses an empty word), or -ENOMEM when
 * libcrypto fails. */
int measure_plan_digests(const struct tpm2_banks *banks, unsigned pcr, const char *text, struct tpm2_digest *out,
			 struct fault *f);

/* The text measured into PCR 15 for the booted image:
 * "hardinit-image:slot=S:version=N:roothash=HEX" (HEX lowercase). Returns 0, or
 * -EINVAL for a slot other than a or b, an empty or too long root hash, or an out too
 * small. */
int measure_plan_identity(char slot, unsigned long long version, const unsigned char *root_hash, size_t root_hash_size,
			  char *out, size_t out_size, struct fault *f);

/* The names of the banks that have PCR pcr and a known algorithm, as "sha1 sha256"
 * (at most out_size - 1 characters; "" when there are none). */
void measure_plan_bank_names(const struct tpm2_banks *banks, unsigned pcr, char *out, size_t out_size);

#endif
