/* hardinit's side of the hand-over to the small supervisor (pid1 = supervise). */
#ifndef HARDINIT_HANDOVER_APPLY_H
#define HARDINIT_HANDOVER_APPLY_H

#include "common/fault.h"
#include "supervise/supervise_plan.h"

/* Replaces this process (PID 1) with the supervisor embedded in hardinit's own binary
 * (supervise/supervisor_blob.S, built statically against libc alone): writes it into a
 * memfd "hardinit-supervise" sealed against every change, writes the hand-over
 * (handover.h) into a second sealed memfd, clears O_CLOEXEC on that memfd and on sv's
 * verified program descriptors (the only descriptors that cross the exec), and execs
 * the first with execveat(AT_EMPTY_PATH), argv { "hardinit-supervise", FD }. Returns
 * only on failure, with -errno and f set; everything is then as it was (the program
 * descriptors close-on-exec again), so the caller can supervise in-process. */
int supervise_handover(const struct supervisor *sv, struct fault *f);

#endif
