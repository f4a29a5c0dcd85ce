#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <libmount.h>

#include "supervise/supervise_plan.h"

enum shutdown_kind signal_shutdown(int signo)
{
	switch (signo) {
	case SIGTERM:
	case SIGINT:
		return SHUTDOWN_REBOOT;
	case SIGUSR1:
		return SHUTDOWN_HALT;
	case SIGUSR2:
		return SHUTDOWN_POWEROFF;
	default:
		return SHUTDOWN_NONE;
	}
}

const char *shutdown_kind_name(enum shutdown_kind k)
{
	static const char *const names[] = { "none", "reboot", "halt", "poweroff" };
	return names[k];
}

enum shutdown_kind failure_shutdown(enum failure_action a)
{
	return a == FAILURE_POWEROFF ? SHUTDOWN_POWEROFF : a == FAILURE_HALT ? SHUTDOWN_HALT : SHUTDOWN_REBOOT;
}

enum exit_decision exit_decide(struct exit_history *h, uint64_t now, enum exit_action on_exit, unsigned limit,
			       unsigned window_s, enum shutdown_kind *ret_kind)
{
	size_t keep = 0;

	*ret_kind = on_exit == EXIT_POWEROFF ? SHUTDOWN_POWEROFF : SHUTDOWN_REBOOT;
	if (on_exit != EXIT_RESTART)
		return EXIT_DO_SHUTDOWN;
	/* Forget the exits that left the window, then add this one. */
	for (size_t i = 0; i < h->n; i++)
		if (now - h->at[i] < window_s)
			h->at[keep++] = h->at[i];
	h->n = keep;
	if (h->n == EXIT_HISTORY_MAX)
		memmove(h->at, h->at + 1, --h->n * sizeof(h->at[0]));
	h->at[h->n++] = now;
	return h->n > limit ? EXIT_DO_CRASH_LOOP : EXIT_DO_RESTART;
}

/* Is path at or below one of the kernel's API filesystems (or /)? */
static bool target_is_kept(const char *path)
{
	static const char *const kept[] = { "/proc", "/sys", "/dev", "/run", NULL };

	if (strcmp(path, "/") == 0)
		return true;
	for (const char *const *k = kept; *k; k++) {
		size_t n = strlen(*k);
		if (strncmp(path, *k, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static size_t depth(const char *path)
{
	size_t d = 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

int shutdown_plan_build(const char *mountinfo_path, struct shutdown_plan *ret, struct fault *f)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs;
	int r = 0;

	ret->n = 0;
	if (!tb || !it) {
		r = fault_set(f, ENOMEM, "out of memory");
		goto done;
	}
	if ((r = mnt_table_parse_file(tb, mountinfo_path)) < 0) {
		r = fault_set(f, -r, "unable to parse %s", mountinfo_path);
		goto done;
	}
	/* Backwards: later mounts first; then a stable sort puts deeper targets first. */
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs);
		if (!target || target_is_kept(target))
			continue;
		if (ret->n == SHUTDOWN_MOUNTS_MAX || strlen(target) >= sizeof(ret->targets[0])) {
			r = fault_set(f, E2BIG, "too many mounts or too long a mount point (%s)", target);
			goto done;
		}
		strcpy(ret->targets[ret->n++], target);
	}
	for (size_t i = 1; i < ret->n; i++) { /* insertion sort: stable, n is small */
		char t[sizeof(ret->targets[0])];
		size_t j = i;
		strcpy(t, ret->targets[i]);
		for (; j > 0 && depth(ret->targets[j - 1]) < depth(t); j--)
			strcpy(ret->targets[j], ret->targets[j - 1]);
		strcpy(ret->targets[j], t);
	}
done:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return r;
}
