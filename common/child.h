/* Work that must not take PID 1 down with it: a parser of attacker-writable bytes in a
 * library (libcryptsetup reading a LUKS2 header, a token plugin), run in a forked copy
 * of the caller that reports back through a pipe. */
#ifndef HARDINIT_CHILD_H
#define HARDINIT_CHILD_H

#include "common/fault.h"

/* Runs fn(arg, why) in a forked child and waits for it. The child inherits the
 * caller's memory (arg may point anywhere), sets no_new_privs, dies with its parent, and
 * exits with fn's -errno; its fault text comes back to the caller. Nothing it maps or
 * loads (a library's plugin, say) stays in the caller.
 * Returns fn's result (0 or -errno, with f set to the child's fault text), or -EIO when
 * the child was killed by a signal (a crash in the library), or -errno when no child
 * could be made. */
int child_run(int (*fn)(void *arg, struct fault *why), void *arg, struct fault *f);

#endif
