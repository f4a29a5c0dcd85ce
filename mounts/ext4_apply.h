#ifndef HARDINIT_EXT4_APPLY_H
#define HARDINIT_EXT4_APPLY_H

#include <stdbool.h>

#include "common/fault.h"
#include "common/spawn.h"
#include "mounts/ext4_plan.h"


/* Mounts the ext4 partition `device` (NULL: there is none) at target with flags. A
 * blank one is formatted first (when format_blank), an ext4 one is checked with
 * e2fsck -p; both tools run in jail (NULL: unconfined). When the partition is missing,
 * not ext4, unrecognised, left with errors e2fsck could not repair (or e2fsck failed),
 * or cannot be mounted, a tmpfs is mounted there instead, *ret_state is
 * STORAGE_VOLATILE and why_volatile says why; the partition is then left untouched.
 * Returns 0, or -errno if not even the tmpfs could be mounted. */
int ext4_apply_mount(const char *device, const char *label, const char *target, unsigned long flags,
		     bool format_blank, const struct spawn_jail *jail, enum storage_state *ret_state,
		     struct fault *why_volatile, struct fault *f);

/* Mounts the tmpfs that stands in for a partition that cannot be used.
 * Returns 0 or -errno. */
int ext4_apply_mount_volatile(const char *target, unsigned long flags, struct fault *f);

#endif
