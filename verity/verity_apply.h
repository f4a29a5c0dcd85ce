/* dm-verity on a slot partition: read the footer, check the root hash against the
 * top of the hash tree, activate with libcryptsetup, read the kernel's status. */
#ifndef HARDINIT_VERITY_APPLY_H
#define HARDINIT_VERITY_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/fault.h"
#include "verity/verity_plan.h"
#include "verity/footer.h"

/* Reads and parses the last FOOTER_SIZE bytes of device into block/ret.
 * Returns 0, -errno on I/O, or footer_parse's error. */
int verity_apply_read_footer(const char *device, unsigned char block[FOOTER_SIZE],
			     struct slot_footer *ret, uint64_t *ret_size, struct fault *f);

/* Hashes salt || top hash block (dm-verity format 1) and compares it with root_hash:
 * one block read, so a wrong root hash is caught before the kernel sees it.
 * Returns 0, -EBADMSG on a mismatch, -errno on I/O. */
int verity_apply_check_top_block(const char *device, const struct slot_footer *footer,
				 const unsigned char *root_hash, struct fault *f);

/* Activates /dev/mapper/<name> read-only over device with the footer's geometry (the
 * on-disk superblock is not trusted or read) and the given root hash. Returns 0 or
 * -errno (libcryptsetup's messages go to the log). */
int verity_apply_open(const char *device, const struct slot_footer *footer,
		      const unsigned char *root_hash, enum corruption_action on_corruption,
		      const char *name, struct fault *f);

/* Reads the whole filesystem and hash tree in userspace and checks them against the
 * root hash (veritysetup verify), without activating anything. Returns 0, -EPERM on
 * any mismatch, or -errno. */
int verity_apply_verify_all(const char *device, const struct slot_footer *footer, struct fault *f);

/* Asks the kernel whether /dev/mapper/<name> has seen corruption. Returns 0 and sets
 * *ret_verified, or -errno. */
int verity_apply_status(const char *name, bool *ret_verified, struct fault *f);

/* Init= mode: finds the device-mapper device that / is mounted from (its st_dev in
 * /sys/dev/block). Sets *ret_is_verity, and the dm name in name (size bytes) when it
 * is dm-verity. Returns 0, or -errno when sysfs cannot be read. */
int verity_apply_find_root(char *name, size_t size, bool *ret_is_verity, struct fault *f);

#endif
