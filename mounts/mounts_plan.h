/* The base mount table, as data: which API filesystems hardinit mounts, where, and
 * with which flags (docs/state.md). A tiny loop in mounts_apply.c applies it. */
#ifndef HARDINIT_MOUNTS_PLAN_H
#define HARDINIT_MOUNTS_PLAN_H

#include <stddef.h>

struct mount_entry {
	const char *source;
	const char *target;
	const char *fstype;
	unsigned long flags;
	const char *options;
	unsigned long magic;    /* statfs f_type: an existing mount must have it */
};

/* Mounted first thing in the initramfs, later moved into the new root. */
extern const struct mount_entry mounts_early[];
extern const size_t mounts_early_count;

/* Mounted in the new root after switch root. */
extern const struct mount_entry mounts_base[];
extern const size_t mounts_base_count;

#endif
