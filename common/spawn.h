#ifndef HARDINIT_SPAWN_H
#define HARDINIT_SPAWN_H

#include "common/fault.h"

/* Where a spawned program runs. The child is made with clone(2) and clone_flags (the
 * CLONE_NEW* namespaces it starts in); once its stdin, stdout and stderr are set and
 * every other file descriptor is closed, enter(ctx, argv, &step) runs in it, just
 * before execve. enter runs in a copy of the caller: system calls only, no malloc, no
 * stdio. It returns 0, or -errno with *step naming what failed; the child then prints
 * "unable to <step>" on its stdout and exits with status 127. */
struct spawn_jail {
	unsigned long clone_flags;
	int (*enter)(void *ctx, char *const argv[], const char **step);
	void *ctx;
};

/* Runs argv (argv[0] an absolute path) with an empty environment and stdin on
 * /dev/null, in jail when it is not NULL; each line it prints is logged as
 * "<tag>: line". Returns its exit status (0..255; 127 with an "unable to ..." line when
 * the jail could not be entered or argv[0] not executed), or -errno if no child could
 * be made or it was killed by a signal. */
int spawn_logged(char *const argv[], const char *tag, const struct spawn_jail *jail, struct fault *f);

#endif
