#ifndef HARDINIT_SPAWN_H
#define HARDINIT_SPAWN_H

#include "common/fault.h"

/* Runs argv (argv[0] an absolute path) with an empty environment and stdin on
 * /dev/null; each line it prints is logged as "<tag>: line". Returns its exit status
 * (0..255), or -errno if it could not be started or was killed by a signal. */
int spawn_logged(char *const argv[], const char *tag, struct fault *f);

#endif
