/* Which root hash to trust, decided from the policy's verity mode, a root hash pinned
 * on the command line and the footer's signature check. Pure. */
#ifndef HARDINIT_VERITY_PLAN_H
#define HARDINIT_VERITY_PLAN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/fault.h"
#include "verity/footer.h"

/* How much verity the policy asks for; ordered from loosest to strictest: a larger
 * value is a tightening. */
enum verity_mode { VERITY_OFF, VERITY_OPTIONAL, VERITY_REQUIRED, VERITY_MODE_COUNT };
/* What dm-verity does when it finds a corrupted block. */
enum corruption_action { CORRUPTION_RESTART, CORRUPTION_PANIC, CORRUPTION_EIO, CORRUPTION_ACTION_COUNT };

enum root_trust {
	ROOT_TRUST_PINNED,     /* roothash= on the command line */
	ROOT_TRUST_SIGNED,     /* footer signed by a key in the initramfs */
	ROOT_TRUST_UNSIGNED,   /* accepted only when verity is not required */
};

/* The two errors that condemn a slot's image, as every verity step reports them:
 * integrity (a footer that does not parse or fit, a hash tree that does not match the
 * root hash, dm-verity corruption) and authenticity (a signature that matches no
 * trusted key, an unsigned footer under verity = required, a root hash other than the
 * pinned one, a version below the policy's minimum, an exec target the root does not
 * hold or that resolves to writable state). Anything else (out of memory, a missing
 * module, an I/O error, no trusted key in the initramfs) is not the image's fault. */
#define VERITY_ERR_INTEGRITY EBADMSG
#define VERITY_ERR_REFUSED EKEYREJECTED

/* True if err (a -errno) is VERITY_ERR_INTEGRITY or VERITY_ERR_REFUSED. */
bool verity_plan_error_condemns_slot(int err);

/* Decides whether the footer's root hash may be used. keys_result is what
 * footer_keys_load returned (a count, or -errno with keys_fault saying why);
 * signature_result is what footer_verify_signature returned (0 = verified). A pinned
 * hash must equal the footer's, in every mode (the keys are then not used). Without a
 * pin, a key directory that cannot be loaded (a file that is not an Ed25519 public key,
 * say: a build mistake in the signed initramfs) stops the boot in every mode, so that
 * it never silently turns a signed slot into an unsigned one. Returns 0 and sets *ret;
 * -EKEYREJECTED on a pin mismatch, and when verity is required and the footer is
 * unsigned or signed by no trusted key; keys_result when the keys cannot be loaded, and
 * the signature check's own error otherwise (-ENOKEY for no key, say), when verity is
 * required: these are the initramfs's fault, not the slot's. */
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
