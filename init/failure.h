#ifndef HARDINIT_FAILURE_H
#define HARDINIT_FAILURE_H

#include "init/policy.h"

/* Prints "hardinit: FATAL <step>: <reason>", syncs and reboots, powers off or halts
 * per the policy. Never returns and never starts a shell: if reboot(2) itself fails,
 * PID 1 sleeps forever. */
void failure_act(enum failure_action action, const char *step, const char *reason)
	__attribute__((noreturn));

#endif
