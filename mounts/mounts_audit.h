/* The mount audit: after setup, every mount in a mountinfo file (read with libmount)
 * must be one hardinit expects, once, with at least the flags it expects; every
 * expected mount must be there. Tested against fixture files. */
#ifndef HARDINIT_MOUNTS_AUDIT_H
#define HARDINIT_MOUNTS_AUDIT_H

#include <stddef.h>
#include <stdio.h>

#include "common/fault.h"
#include "overlay/overlay_plan.h"

#define AUDIT_EXPECT_MAX 40

struct audit_expect {
	char target[STATE_PATH_LEN];
	char options[64];       /* VFS options that must all be set, e.g. "ro" or "nosuid,nodev" */
	char fstype[16];        /* "" for any */
};

struct audit_table {
	struct audit_expect entries[AUDIT_EXPECT_MAX];
	size_t n;
};

/* The table for the final namespace: /, the API filesystems, /logs, and the state
 * plan's overlays, binds and .eflow view. Pure. */
void mounts_audit_expect(const struct state_plan *plan, struct audit_table *ret);

/* Audits the mountinfo text read from `in` (`name` for messages) against the table.
 * Returns 0 and the number of mounts checked; -EPERM for the first mismatch (f says
 * which mount and why); -errno if the text cannot be parsed. */
int mounts_audit_stream(FILE *in, const char *name, const struct audit_table *table, struct fault *f);

/* Audits the mountinfo file at path against the table. Returns 0 and the number of
 * mounts checked; -EPERM for the first mismatch (f says which mount and why); -errno
 * if the file cannot be read. */
int mounts_audit_file(const char *path, const struct audit_table *table, struct fault *f);

#endif
