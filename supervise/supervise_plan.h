/* Supervise mode's decisions, as pure functions: what a signal to PID 1 means, what
 * to do when the service tree exits (with a crash-loop bound), and which mounts a
 * shutdown takes down, in which order. supervise_apply.c carries them out. */
#ifndef HARDINIT_SUPERVISE_PLAN_H
#define HARDINIT_SUPERVISE_PLAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"
#include "common/program.h"
#include "common/shutdown.h"

/* What a supervising PID 1 does when the service tree's first process exits. */
enum exit_action { EXIT_REBOOT, EXIT_POWEROFF, EXIT_RESTART, EXIT_ACTION_COUNT };

/* What a supervising PID 1 runs and how (from the policy's [boot] keys). */
struct supervisor {
	char exec[PATH_MAX];             /* the service tree's first program */
	enum exit_action on_exit;
	unsigned restart_limit;
	unsigned restart_window_s;
	unsigned shutdown_grace_ms;
	enum failure_action on_failure;  /* after a crash loop or a failed health check */
	char health_check[PATH_MAX];     /* "" for none */
	unsigned health_timeout_s;
	char slot_partition[64];         /* the booted slot, marked good by the health check; "" for none */
	struct program exec_program;     /* exec and health_check as verified at boot: what runs */
	struct program health_program;
};


/* The signal map, as busybox init has it: SIGTERM and SIGINT (the kernel's
 * Ctrl-Alt-Del, once reboot(RB_DISABLE_CAD) is set) reboot, SIGUSR1 halts, SIGUSR2
 * powers off. Returns SHUTDOWN_NONE for any other signal (ignored). */
enum shutdown_kind signal_shutdown(int signo);


#define EXIT_HISTORY_MAX 101 /* restart_limit is at most 100 */

/* When the service tree exited recently, oldest first (seconds, CLOCK_MONOTONIC). */
struct exit_history {
	uint64_t at[EXIT_HISTORY_MAX];
	size_t n;
};

enum exit_decision { EXIT_DO_RESTART, EXIT_DO_SHUTDOWN, EXIT_DO_CRASH_LOOP };

/* Records an exit of the service tree at `now` and decides: with on_exit = restart,
 * restart it unless this exit is the (limit+1)-th within the last window_s seconds
 * (a crash loop: the policy's on_failure action follows); with reboot or poweroff,
 * shut down (*ret_kind says how). Returns the decision. */
enum exit_decision exit_decide(struct exit_history *h, uint64_t now, enum exit_action on_exit, unsigned limit,
			       unsigned window_s, enum shutdown_kind *ret_kind);

/* One mount a shutdown takes down, as mountinfo names it. */
struct shutdown_mount {
	char *target;   /* where it is mounted (heap) */
	int id;         /* its mount ID */
	int parent_id;  /* the ID of the mount it sits on */
};

/* The mounts a shutdown takes down, deepest first: every mount but / and the kernel's
 * API filesystems (/proc, /sys, /dev, /run and below), however many, however long
 * their paths. Each is unmounted; one that is still busy is remounted read-only
 * instead. Free it with shutdown_plan_free. */
struct shutdown_plan {
	struct shutdown_mount *mounts;
	size_t n;
};

/* Builds the plan from mountinfo text of len bytes (mountinfo_read.h, not libmount;
 * text[len] must be writable: the text is parsed in place) by walking its mount tree: a
 * mount comes before the mount it sits on (and so before everything it is mounted
 * below), and of the mounts on one mount the later comes first, so that one mounted
 * over another (the same target mounted twice, or over a parent directory) is taken
 * down before the one it hides. A line that does not parse fails the whole text.
 * Returns 0 (*ret owns heap memory), or -errno (ENOMEM, EINVAL; f says why) with *ret
 * empty. Pure. */
int shutdown_plan_parse(char *text, size_t len, struct shutdown_plan *ret, struct fault *f);

/* shutdown_plan_parse on the whole file at mountinfo_path (/proc/self/mountinfo).
 * Returns 0, or -errno (an unreadable file too) with *ret empty. */
int shutdown_plan_build(const char *mountinfo_path, struct shutdown_plan *ret, struct fault *f);

/* Frees what shutdown_plan_build allocated and empties the plan. */
void shutdown_plan_free(struct shutdown_plan *plan);

#endif
