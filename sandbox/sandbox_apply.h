/* The sandbox, applied: the child side that spawn_logged runs before execve.
 * docs/state.md, "fsck in a sandbox". */
#ifndef HARDINIT_SANDBOX_APPLY_H
#define HARDINIT_SANDBOX_APPLY_H

#include <linux/filter.h>

#include "common/fault.h"
#include "common/spawn.h"

#define SANDBOX_FILES_MAX 4

struct sandbox {
	struct sock_fprog filter;                /* the BPF program the child loads */
	const char *files[SANDBOX_FILES_MAX + 1]; /* host files shown read-only, NULL-ended */
	struct spawn_jail jail;                  /* pass &jail to spawn_logged */
};

/* Prepares sb: builds the seccomp filter (in the parent: the child may not allocate)
 * and fills sb->jail. A program run in the jail starts in new mount, PID, IPC, network,
 * UTS and cgroup namespaces, sees a read-only tmpfs root holding only
 * sandbox_plan_host_dirs, itself, files (read-only), an empty /etc/mtab and a /dev
 * with /dev/null and one node for each block device named in its argv (owned by
 * SANDBOX_UID, 0600),
 * and runs as SANDBOX_UID:SANDBOX_GID with no capabilities (bounding set included),
 * no_new_privs and the filter. files are kept by pointer. Returns 0 or -errno. */
int sandbox_apply_prepare(struct sandbox *sb, const char *const files[], struct fault *f);

void sandbox_apply_release(struct sandbox *sb);

#endif
