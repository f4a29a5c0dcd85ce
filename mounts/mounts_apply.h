#ifndef HARDINIT_MOUNTS_APPLY_H
#define HARDINIT_MOUNTS_APPLY_H

#include <stddef.h>

#include "common/fault.h"
#include "mounts/mounts_plan.h"

/* Mounts each entry of the table, creating a missing mount point (0755) where the
 * filesystem allows. A target that is already a mount (init= mode: the distro's
 * initramfs made it) is kept if it has the entry's filesystem type, and its mount flags
 * are set to the entry's. Returns 0, -EPERM for a mount of another type, or -errno
 * for the first entry that fails. */
int mounts_apply_table(const struct mount_entry *table, size_t n, struct fault *f);

/* Moves /proc /sys /dev /run under newroot, deletes the initramfs's files (without
 * crossing into other filesystems), makes newroot the root and chroots into it, as
 * util-linux switch_root does. Returns 0 or -errno. */
int mounts_apply_switch_root(const char *newroot, struct fault *f);

#endif
