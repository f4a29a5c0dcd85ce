/* Writable state, planned: which directories get an overlay whose upper and work dirs
 * live on the data partition at .eflow/overlays/<name>/{upper,work}, which are bind
 * mounts of .eflow/binds/<name>, and where .eflow is shown (read-only) for inspection.
 * Pure: no I/O. */
#ifndef HARDINIT_OVERLAY_PLAN_H
#define HARDINIT_OVERLAY_PLAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/fault.h"

#define STATE_PATHS_MAX 8
#define STATE_PATH_LEN 128

/* Clean absolute directory paths (the policy's overlays or binds). */
struct path_list {
	char paths[STATE_PATHS_MAX][STATE_PATH_LEN];
	size_t n;
};

#define OVERLAY_OPTIONS "index=off,metacopy=off,redirect_dir=nofollow,xino=off"
#define EFLOW_DIR ".eflow"
#define EFLOW_TARGET "/var/.eflow"

struct state_mount {
	char target[STATE_PATH_LEN];   /* "/etc", "/var/lib/containerd" */
	char name[STATE_PATH_LEN];     /* "etc", "var-lib-containerd" */
	int in_overlay;                 /* index of the overlay the target lies in, or -1 */
	char relative[STATE_PATH_LEN]; /* the target relative to that overlay: "lib/containerd" */
};

struct state_plan {
	struct state_mount overlays[STATE_PATHS_MAX];
	size_t n_overlays;
	struct state_mount binds[STATE_PATHS_MAX];
	size_t n_binds;
	struct state_mount eflow;        /* EFLOW_TARGET, read-only */
};

/* Builds the plan from the policy's overlay and bind lists. An overlay inside another
 * overlay, a bind inside another bind or equal to an overlay is refused; a bind or
 * the .eflow view inside an overlay is placed in it (its directories are made in the
 * overlay's upper dir before the mount). Two overlays (or two binds) whose state
 * directories would have the same name are refused. Returns 0 or -EINVAL. */
int state_plan_build(const struct path_list *overlays, const struct path_list *binds, struct state_plan *ret,
		     struct fault *f);

/* True if path (absolute, clean) is, or lies below, a directory whose content does not
 * come from the verified root once the state is mounted: an overlay or bind target,
 * the .eflow view, or a tree hardinit mounts from the kernel or a tmpfs (/proc /sys
 * /dev /run /tmp) or from the logs partition (/logs). */
bool state_plan_is_writable(const struct state_plan *plan, const char *path);

/* Formats the overlay mount options for lower, upper and work directories.
 * Returns 0, or -ENAMETOOLONG if they do not fit size bytes. */
int state_plan_overlay_options(const char *lower, const char *upper, const char *work, char *buf,
			       size_t size);

/* The overlays' targets joined by commas ("/etc,/home,/root,/var"), or "none", as the
 * ready line and the boot record show them. */
void state_plan_overlay_list(const struct state_plan *plan, char *buf, size_t size);

/* Prints the overlay and bind lines of the boot plan. */
void state_plan_print(const struct state_plan *plan, FILE *out);

#endif
