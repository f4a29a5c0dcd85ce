#ifndef HARDINIT_MODULES_APPLY_H
#define HARDINIT_MODULES_APPLY_H

#include "common/fault.h"

struct kmod_ctx;

/* Opens libkmod on /lib/modules/$(uname -r) with an empty configuration list: no
 * modprobe.d is read, so no install command, option or blacklist can be planted.
 * Returns 0 or -errno. */
int modules_open(struct kmod_ctx **ret, struct fault *f);

/* Loads a module (or alias) and its dependencies; a built-in or loaded module is a
 * success. Install commands are ignored. Returns 0, -ENOENT if unknown, or -errno. */
int modules_load(struct kmod_ctx *ctx, const char *name, struct fault *f);

void modules_close(struct kmod_ctx *ctx);

#endif
