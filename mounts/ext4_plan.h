/* What to do with a data or logs partition, decided from what is on it. Pure. */
#ifndef HARDINIT_EXT4_PLAN_H
#define HARDINIT_EXT4_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"

/* Where a partition's content lives for this boot: on the partition, or in a tmpfs
 * that stands in for a partition that could not be used. */
enum storage_state { STORAGE_PERSISTENT, STORAGE_VOLATILE };

enum ext4_action {
	EXT4_CHECK_AND_MOUNT,   /* an ext4 filesystem: e2fsck -p unless its superblock says clean, then mount */
	EXT4_FORMAT,            /* blank: no signature, first and last MiB all zero */
	EXT4_LEAVE_ALONE,       /* anything else: never touched, never mounted */
};

/* Decides from the filesystem type libblkid found (NULL for none), whether the
 * partition is blank, and whether the policy formats blank partitions. An existing
 * filesystem is never formatted, and one that is not ext4 is never mounted (a crafted
 * filesystem of another type would reach another kernel driver). */
enum ext4_action ext4_plan_action(const char *fstype, bool blank, bool format_blank);

const char *ext4_action_name(enum ext4_action a);

/* Decides from e2fsck -p's exit status on the unmounted partition device whether it
 * may be mounted. 0 (clean), 1 (errors corrected) and 2 or 3 (corrected, "reboot"
 * advised: that advice is for a filesystem that was mounted while checked, and this one
 * was not) mount. Bit 4 (errors left uncorrected), 8 (operational error), 16 (usage),
 * 32 (cancelled), 128 (shared library error), any other status above 3 and a negative
 * one (-errno: it could not run or was killed) leave the partition alone: the kernel's
 * ext4 driver never sees a filesystem fsck could not vouch for.
 * Returns 0 (mount), or -EUCLEAN (errors left) or -EIO (fsck failed) with why set. */
int ext4_plan_fsck_verdict(int status, const char *device, struct fault *why);

/* The ext4 superblock: EXT4_SUPER_OFFSET bytes into the partition, EXT4_SUPER_SIZE long. */
#define EXT4_SUPER_OFFSET 1024
#define EXT4_SUPER_SIZE 1024

struct ext4_geometry {
	uint32_t block_size;     /* bytes, 1024 to 65536 */
	uint64_t blocks;         /* the filesystem's size in blocks */
};

/* Reads the size of the filesystem from its superblock sb (len bytes, read at
 * EXT4_SUPER_OFFSET): the magic 0xEF53, s_log_block_size, s_blocks_count (the high
 * half only with the 64bit feature). Returns 0, or -EBADMSG for a short buffer, another
 * magic, a block size ext4 does not make or no blocks (why set). */
int ext4_plan_geometry(const uint8_t *sb, size_t len, struct ext4_geometry *ret, struct fault *why);

/* Decides from the superblock sb (len bytes, read at EXT4_SUPER_OFFSET) and the wall
 * clock `now` (seconds since the epoch) whether spawning `e2fsck -p` can be skipped:
 * on such a filesystem e2fsck -p would only read the superblock and exit "clean". The
 * filesystem is clean when every one of these holds, the conditions e2fsck -p itself
 * checks before it skips the full check:
 *   - the ext4 magic, and the state says cleanly unmounted (EXT2_VALID_FS) with no
 *     errors (EXT2_ERROR_FS, or orphan recovery EXT3_ORPHAN_FS, not set), s_error_count 0;
 *   - no journal to replay (needs_recovery clear), no
 *     orphan inode list (s_last_orphan 0) and no orphan file in use (orphan_present);
 *   - no feature e2fsck or this rule does not know (the incompat and ro_compat masks);
 *   - the mount count is below a positive s_max_mnt_count, and a check interval, if
 *     set, has not passed since s_lastcheck (a clock before the last check counts as
 *     passed: the check runs).
 * Anything else, including a short buffer, is not clean and gets e2fsck -p. Returns
 * true (clean) or false with why set to the first condition that failed. Pure. */
bool ext4_plan_clean(const uint8_t *sb, size_t len, uint64_t now, struct fault *why);

#endif
