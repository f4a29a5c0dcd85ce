#ifndef HARDINIT_OVERLAY_APPLY_H
#define HARDINIT_OVERLAY_APPLY_H

#include "common/fault.h"
#include "overlay/overlay_plan.h"

/* Mounts the plan's overlays, binds and read-only .eflow view under sysroot, with
 * their directories on the filesystem mounted at data_root (the data partition, or a
 * tmpfs when it is volatile). Every directory on data_root is reached with
 * safedir_ensure (no symlink followed, unexpected entries moved aside); an overlay
 * whose upper or work dir cannot be reset to its owner and mode (an append-only or
 * immutable flag) has its whole directory moved aside and made afresh. Overlays get
 * their upper and work dirs as /proc/self/fd paths of those verified directories, and
 * binds are cloned and moved by file descriptor. On failure every mount it made is
 * undone. Returns 0 or -errno. */
int state_apply_mount(const struct state_plan *plan, const char *data_root, const char *sysroot,
		      struct fault *f);

#endif
