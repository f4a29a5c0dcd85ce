#ifndef HARDINIT_OPENAT2_H
#define HARDINIT_OPENAT2_H

#include <stdint.h>

/* openat2(2) (glibc has no wrapper yet). resolve is a RESOLVE_* mask.
 * Returns a file descriptor or -errno. */
int openat2_resolve(int dirfd, const char *path, int flags, uint64_t resolve);

#endif
