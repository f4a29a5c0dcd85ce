#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/openat2.h"
#include "common/safedir.h"
#include "overlay/overlay_apply.h"

struct walk {
	int data;          /* data_root */
	int quarantine;    /* .eflow/quarantine */
	int sysroot;
	char mounted[2 * STATE_PATHS_MAX + 1][PATH_MAX];
	size_t n_mounted;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Gives dir the owner and mode of the verified root's directory at path, or root:root
 * `fallback` if the root has none there (or path is NULL), so that an overlay's root
 * shows what the image meant, not what the data partition says (one fchown and fchmod,
 * never recursive). Returns 0, or -errno if dir cannot be given them (it carries the
 * append-only or immutable flag, say): such a directory must not be used. */
static int reset_attributes(int sysroot, const char *path, int dir, mode_t fallback, const char *what,
			    struct fault *f)
{
	struct stat st;

	if (!path || fstatat(sysroot, path + 1, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
		st.st_uid = 0;
		st.st_gid = 0;
		st.st_mode = fallback;
	}
	if (fchown(dir, st.st_uid, st.st_gid) < 0 || fchmod(dir, st.st_mode & 07777) < 0)
		return fault_set(f, errno, "unable to reset the owner and mode of %s: %s", what, strerror(errno));
	return 0;
}

/* Makes the directories of `relative` inside upper (one component at a time, each with
 * safedir_ensure and reset_attributes), so that a mount target inside an overlay is a
 * real directory. Returns 0 or -errno; sets *unusable if a component cannot be reset. */
static int ensure_inside_upper(struct walk *w, int upper, const char *overlay_target, const char *relative,
			       bool *unusable, struct fault *f)
{
	char path[PATH_MAX], lower[PATH_MAX];
	char *save = NULL;
	int dir = dup(upper), r;

	snprintf(path, sizeof(path), "%s", relative);
	snprintf(lower, sizeof(lower), "%s", overlay_target);
	for (char *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = safedir_ensure(dir, c, 0755, w->quarantine, f);
		close(dir);
		if (next < 0)
			return next;
		dir = next;
		strncat(lower, "/", sizeof(lower) - strlen(lower) - 1);
		strncat(lower, c, sizeof(lower) - strlen(lower) - 1);
		if ((r = reset_attributes(w->sysroot, lower, dir, 0755, lower, f)) < 0) {
			*unusable = true;
			close(dir);
			return r;
		}
	}
	close(dir);
	return 0;
}

/* sysroot + path, without a doubled slash when sysroot is / (init= mode). */
static const char *under_root(const char *sysroot)
{
	return strcmp(sysroot, "/") == 0 ? "" : sysroot;
}

/* Opens the overlay's directory `name` in overlays and its upper and work dirs (each
 * made if missing, anything else there moved aside), gives upper the owner and mode of
 * the verified root's directory and work root:root 0700, and makes the mount targets
 * inside upper. Returns 0 with *dir, *upper and *work open, or -errno with them closed;
 * sets *unusable if a directory that is there cannot be reset. */
static int prepare_overlay(struct walk *w, const struct state_plan *plan, size_t i, int overlays, int *dir,
			   int *upper, int *work, bool *unusable, struct fault *f)
{
	const struct state_mount *m = &plan->overlays[i];
	char what[PATH_MAX];
	int r;

	if ((*dir = safedir_ensure(overlays, m->name, 0755, w->quarantine, f)) < 0 ||
	    (*upper = safedir_ensure(*dir, "upper", 0755, w->quarantine, f)) < 0 ||
	    (*work = safedir_ensure(*dir, "work", 0700, w->quarantine, f)) < 0) {
		r = *dir < 0 ? *dir : *upper < 0 ? *upper : *work;
		goto fail;
	}
	snprintf(what, sizeof(what), "the upper dir of %s", m->target);
	if ((r = reset_attributes(w->sysroot, m->target, *upper, 0755, what, f)) < 0) {
		*unusable = true;
		goto fail;
	}
	snprintf(what, sizeof(what), "the work dir of %s", m->target);
	if ((r = reset_attributes(w->sysroot, NULL, *work, 0700, what, f)) < 0) {
		*unusable = true;
		goto fail;
	}
	for (size_t b = 0; b < plan->n_binds; b++)
		if (plan->binds[b].in_overlay == (int)i &&
		    (r = ensure_inside_upper(w, *upper, m->target, plan->binds[b].relative, unusable, f)) < 0)
			goto fail;
	if (plan->eflow.in_overlay == (int)i &&
	    (r = ensure_inside_upper(w, *upper, m->target, plan->eflow.relative, unusable, f)) < 0)
		goto fail;
	return 0;
fail:
	close_fd(dir);
	close_fd(upper);
	close_fd(work);
	return r;
}

/* Mounts overlay i. If a directory of it cannot be reset (an append-only or immutable
 * flag on the upper dir, say; such a directory cannot be moved itself), the overlay's
 * whole directory .eflow/overlays/<name> is moved into the quarantine and made afresh.
 * Returns 0 or -errno (then the caller falls back to a tmpfs). */
static int mount_overlay(struct walk *w, const struct state_plan *plan, size_t i, int overlays,
			 const char *sysroot, struct fault *f)
{
	const struct state_mount *m = &plan->overlays[i];
	char lower[PATH_MAX], upper_path[64], work_path[64], options[PATH_MAX * 2], why[sizeof(f->text) + 64];
	int dir = -1, upper = -1, work = -1, r;
	bool unusable = false;

	snprintf(lower, sizeof(lower), "%s%s", under_root(sysroot), m->target);
	r = prepare_overlay(w, plan, i, overlays, &dir, &upper, &work, &unusable, f);
	if (r < 0 && unusable) {
		snprintf(why, sizeof(why), "%s", f->text);
		if ((r = safedir_move_aside(overlays, m->name, w->quarantine, why, f)) < 0) {
			r = fault_set(f, -r, "%s, and unable to move %s aside", why, m->name);
			goto done;
		}
		unusable = false;
		r = prepare_overlay(w, plan, i, overlays, &dir, &upper, &work, &unusable, f);
	}
	if (r < 0)
		goto done;

	snprintf(upper_path, sizeof(upper_path), "/proc/self/fd/%d", upper);
	snprintf(work_path, sizeof(work_path), "/proc/self/fd/%d", work);
	if ((r = state_plan_overlay_options(lower, upper_path, work_path, options, sizeof(options))) < 0) {
		r = fault_set(f, -r, "overlay options for %s are too long", m->target);
		goto done;
	}
	if (mount("overlay", lower, "overlay", MS_NOSUID | MS_NODEV, options) < 0) {
		r = fault_set(f, errno, "unable to mount the overlay on %s: %s", m->target, strerror(errno));
		goto done;
	}
	snprintf(w->mounted[w->n_mounted++], PATH_MAX, "%s", lower);
	r = 0;
done:
	close_fd(&dir);
	close_fd(&upper);
	close_fd(&work);
	return r;
}

/* Bind-mounts the directory `source` on target (under the sysroot, no symlink followed)
 * with mount attributes attr, by file descriptor from clone to move. Returns 0 or -errno. */
static int bind_by_fd(struct walk *w, int source, const char *target, const char *sysroot, uint64_t attr,
		      struct fault *f)
{
	struct mount_attr ma = { .attr_set = attr };
	int tree = -1, dest = -1, r = 0;

	dest = openat2_resolve(w->sysroot, target + 1, O_PATH | O_DIRECTORY | O_CLOEXEC,
			       RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH);
	if (dest < 0)
		return fault_set(f, -dest, "unable to open the mount point %s: %s", target, strerror(-dest));
	tree = open_tree(source, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		r = fault_set(f, errno, "unable to clone the source of %s: %s", target, strerror(errno));
	else if (mount_setattr(tree, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0)
		r = fault_set(f, errno, "unable to set the flags of %s: %s", target, strerror(errno));
	else if (move_mount(tree, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = fault_set(f, errno, "unable to mount on %s: %s", target, strerror(errno));
	else
		snprintf(w->mounted[w->n_mounted++], PATH_MAX, "%s%s", under_root(sysroot), target);
	close_fd(&tree);
	close_fd(&dest);
	return r;
}

static void undo_mounts(struct walk *w)
{
	while (w->n_mounted > 0)
		(void)umount2(w->mounted[--w->n_mounted], MNT_DETACH); /* best effort on a failure path */
}

int state_apply_mount(const struct state_plan *plan, const char *data_root, const char *sysroot,
		      struct fault *f)
{
	struct walk w = { .data = -1, .quarantine = -1, .sysroot = -1 };
	int eflow = -1, overlays = -1, binds = -1, source = -1;
	int r = 0;

	w.data = open(data_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	w.sysroot = open(sysroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.data < 0 || w.sysroot < 0) {
		r = fault_set(f, errno, "unable to open %s or %s: %s", data_root, sysroot, strerror(errno));
		goto done;
	}
	if ((eflow = safedir_ensure(w.data, EFLOW_DIR, 0755, -1, f)) < 0 ||
	    (w.quarantine = safedir_ensure(eflow, "quarantine", 0700, -1, f)) < 0 ||
	    (overlays = safedir_ensure(eflow, "overlays", 0755, w.quarantine, f)) < 0 ||
	    (binds = safedir_ensure(eflow, "binds", 0755, w.quarantine, f)) < 0) {
		r = eflow < 0 ? eflow : w.quarantine < 0 ? w.quarantine : overlays < 0 ? overlays : binds;
		goto done;
	}
	for (size_t i = 0; i < plan->n_overlays && r == 0; i++)
		r = mount_overlay(&w, plan, i, overlays, sysroot, f);
	for (size_t i = 0; i < plan->n_binds && r == 0; i++) {
		if ((source = safedir_ensure(binds, plan->binds[i].name, 0755, w.quarantine, f)) < 0)
			r = source;
		else
			r = bind_by_fd(&w, source, plan->binds[i].target, sysroot, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, f);
		close_fd(&source);
	}
	if (r == 0)
		r = bind_by_fd(&w, eflow, plan->eflow.target, sysroot,
			       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, f);
	if (r < 0)
		undo_mounts(&w);
done:
	close_fd(&source);
	close_fd(&binds);
	close_fd(&overlays);
	close_fd(&eflow);
	close_fd(&w.quarantine);
	close_fd(&w.data);
	close_fd(&w.sysroot);
	return r;
}
