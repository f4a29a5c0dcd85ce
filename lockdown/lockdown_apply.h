#ifndef HARDINIT_LOCKDOWN_APPLY_H
#define HARDINIT_LOCKDOWN_APPLY_H

#include "common/fault.h"
#include "lockdown/lockdown_plan.h"

/* Writes every sysctl and reads it back; a failure on an optional one is a warning,
 * on any other it is an error. Then raises the lockdown LSM (a warning if the kernel
 * cannot) and, last, locks module loading. Returns 0 or -errno. */
int lockdown_apply_kernel(const struct lockdown_plan *plan, struct fault *f);

/* Builds and loads the seccomp filter for this process and all it will start.
 * Returns 0 or -errno. */
int lockdown_apply_seccomp(const struct lockdown_plan *plan, struct fault *f);

#endif
