/* Supervise mode (policy `pid1 = supervise`): hardinit stays PID 1, runs the service
 * tree as its child, reaps every orphan, maps signals to shutdowns and shuts down
 * in bounded time. */
#ifndef HARDINIT_SUPERVISE_APPLY_H
#define HARDINIT_SUPERVISE_APPLY_H

#include "supervise/supervise_plan.h"

/* Runs the service tree until a signal, its exit or a failed health check ends the
 * boot in supervisor_shutdown. Never returns. */
void supervise_run(const struct supervisor *sv) __attribute__((noreturn));

/* Stops every process (SIGTERM, grace_ms, SIGKILL), syncs, takes the mounts down
 * (shutdown_plan: unmount, or remount read-only when busy), syncs again and reboots,
 * halts or powers off. Never returns. */
void supervisor_shutdown(enum shutdown_kind kind, unsigned grace_ms, const char *reason) __attribute__((noreturn));

#endif
