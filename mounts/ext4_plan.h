/* What to do with a data or logs partition, decided from what is on it. Pure. */
#ifndef HARDINIT_EXT4_PLAN_H
#define HARDINIT_EXT4_PLAN_H

#include <stdbool.h>

enum ext4_action {
	EXT4_CHECK_AND_MOUNT,   /* an ext4 filesystem: e2fsck -p, then mount */
	EXT4_FORMAT,            /* blank: no signature, first and last MiB all zero */
	EXT4_LEAVE_ALONE,       /* anything else: never touched, never mounted */
};

/* Decides from the filesystem type libblkid found (NULL for none), whether the
 * partition is blank, and whether the policy formats blank partitions. An existing
 * filesystem is never formatted, and one that is not ext4 is never mounted (a crafted
 * filesystem of another type would reach another kernel driver). */
enum ext4_action ext4_plan_action(const char *fstype, bool blank, bool format_blank);

const char *ext4_action_name(enum ext4_action a);

#endif
