/* Loading the plan's later kernel modules ahead, on another CPU. PID 1 goes through the
 * load-modules steps in plan order; with more than one CPU online a child process takes
 * them from the last step backwards, so that the firewall's and the overlays' modules
 * load while PID 1 loads the storage and ext4 drivers and checks the root. Each step is
 * claimed once, by whichever process reaches it first: the two meet in the middle and
 * no module file is loaded twice. With one CPU nothing runs ahead (the two would only
 * take turns). The modules and their order within a step are the plan's either way. */
#ifndef HARDINIT_MODULES_AHEAD_H
#define HARDINIT_MODULES_AHEAD_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/fault.h"
#include "init/plan.h"

struct kmod_ctx;

/* Shared by PID 1 and the child: one claim per plan step (MAP_SHARED). */
struct modules_ahead {
	pid_t child;                  /* 0: nothing runs ahead */
	_Atomic int *claim;           /* per step: free, PID 1's, the child's, done or failed */
	size_t n;
};

/* Starts the child when more than one CPU is online and the plan has at least two
 * load-modules steps; otherwise leaves *ahead idle. The child loads, from the last
 * load-modules step backwards, each step it can claim, marks it done and exits at the
 * first step PID 1 has claimed. Never fails the boot: without a child PID 1 loads
 * everything itself. */
void modules_ahead_start(struct modules_ahead *ahead, const struct boot_plan *plan, struct kmod_ctx *ctx);

/* Called by PID 1 at load-modules step `index`. Returns true when PID 1 must load the
 * step's modules itself (it claimed the step, nothing runs ahead, or the child failed or
 * died before it finished the step); false once the child has loaded them all. */
bool modules_ahead_claim(struct modules_ahead *ahead, size_t index);

/* Waits for the child to exit and reaps it (before the module lock, and before the
 * initramfs it reads is emptied). Idempotent. */
void modules_ahead_finish(struct modules_ahead *ahead);

#endif
