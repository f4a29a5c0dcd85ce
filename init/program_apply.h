/* The programs PID 1 starts (the exec target and the health check), opened and checked
 * on the root before any writable state is mounted, and run from those descriptors. */
#ifndef HARDINIT_PROGRAM_APPLY_H
#define HARDINIT_PROGRAM_APPLY_H

#include "common/fault.h"
#include "common/program.h"
#include "overlay/overlay_plan.h"

/* Opens the program at path (absolute, clean) on the root root_dir, before the state
 * is mounted: symlinks resolve inside the root, and the file they reach must be an
 * executable regular file whose resolved path is not writable state
 * (state_plan_is_writable: an /etc/alternatives link into /etc is refused). The file is
 * read whole, so that dm-verity checks every block of it. A "#!" script's interpreter
 * is checked the same way and read too (an interpreter that is itself a script is
 * refused). Returns 0 with *ret open (O_CLOEXEC); -EKEYREJECTED (VERITY_ERR_REFUSED)
 * for a program the root does not hold or that is refused; another -errno (an I/O
 * error, which dm-verity corruption also is) otherwise. */
int program_apply_verify(const char *root_dir, const char *path, const struct state_plan *state,
			 struct program *ret, struct fault *f);

#endif
