/* Which root hash to trust, decided from the policy's verity mode, a root hash pinned
 * on the command line and the footer's signature check. Pure. */
#ifndef HARDINIT_VERITY_PLAN_H
#define HARDINIT_VERITY_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/fault.h"
#include "init/policy.h"
#include "verity/footer.h"

enum root_trust {
	ROOT_TRUST_PINNED,     /* roothash= on the command line */
	ROOT_TRUST_SIGNED,     /* footer signed by a key in the initramfs */
	ROOT_TRUST_UNSIGNED,   /* accepted only when verity is not required */
};

/* Decides whether the footer's root hash may be used. keys_result is what
 * footer_keys_load returned (a count, or -errno with keys_fault saying why);
 * signature_result is what footer_verify_signature returned (0 = verified). A pinned
 * hash must equal the footer's, in every mode (the keys are then not used). Without a
 * pin, a key directory that cannot be loaded (a file that is not an Ed25519 public key,
 * say: a build mistake in the signed initramfs) stops the boot in every mode, so that
 * it never silently turns a signed slot into an unsigned one. Returns 0 and sets *ret;
 * -EBADMSG on a pin mismatch; keys_result when the keys cannot be loaded; the
 * signature's error when verity is required and the footer is not trusted. */
int verity_plan_trust(enum verity_mode mode, const unsigned char *pinned, size_t pinned_size,
		      int keys_result, const struct fault *keys_fault,
		      const struct slot_footer *footer, int signature_result,
		      const struct fault *signature_fault, enum root_trust *ret, struct fault *f);

/* Where the top level of the hash tree is (a byte offset): right after the superblock
 * block that veritysetup writes at hash_offset. */
unsigned long long verity_plan_top_block_offset(const struct slot_footer *footer);

/* Is a device-mapper UUID (/sys/dev/block/M:m/dm/uuid) one that cryptsetup gives a
 * dm-verity device? */
bool verity_plan_uuid_is_verity(const char *uuid);

/* Init= mode: decides whether the root that a distro initramfs mounted may boot.
 * A dm-verity root must be verified; a root that is not dm-verity is refused when
 * verity is required, else booted with verity state "none".
 * Returns 0 and sets *ret_state ("verified" | "none"); -EBADMSG for a corrupted
 * root; -EPERM for a root that is not dm-verity under verity = required. */
int verity_plan_check_root(enum verity_mode mode, bool is_verity, bool verified, const char **ret_state,
			   struct fault *f);

#endif
