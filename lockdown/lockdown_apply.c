#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/log.h"
#include "common/textfile.h"
#include "lockdown/lockdown_apply.h"

/* Writes value to a /proc/sys or securityfs file and, for sysctls, reads it back.
 * Returns 0, -errno, or -EIO when the kernel kept another value. */
static int write_setting(const char *path, const char *value, bool read_back)
{
	char got[128] = "";
	int r = textfile_write(path, value);

	if (r < 0 || !read_back)
		return r;
	if ((r = textfile_read(path, got, sizeof(got))) < 0)
		return r;
	got[strcspn(got, "\n")] = '\0';
	return strcmp(got, value) == 0 ? 0 : -EIO;
}

/* Raises the lockdown LSM through securityfs (mounted for the write, then unmounted so
 * that the mount table stays as audited). A kernel already at the level or above (it
 * locks itself down under Secure Boot, and refuses any write that does not raise the
 * level) is left as it is. Returns 0 or -errno. */
static int raise_lockdown(enum kernel_lockdown level)
{
	const char *word = level == KERNEL_LOCKDOWN_CONFIDENTIALITY ? "confidentiality" : "integrity";
	enum kernel_lockdown now;
	char text[128] = "";
	int r;

	if (mount("securityfs", "/sys/kernel/security", "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
	    errno != EBUSY)
		return -errno;
	r = textfile_read("/sys/kernel/security/lockdown", text, sizeof(text));
	if (r >= 0 && lockdown_parse_current(text, &now) == 0 && now >= level) {
		r = 0;
		log_info("kernel lockdown already at %s", now == KERNEL_LOCKDOWN_CONFIDENTIALITY ? "confidentiality" : "integrity");
	} else {
		r = write_setting("/sys/kernel/security/lockdown", word, false);
	}
	(void)umount2("/sys/kernel/security", MNT_DETACH); /* best effort: the audit would catch it */
	return r;
}

int lockdown_apply_kernel(const struct lockdown_plan *plan, struct fault *f)
{
	char path[128];
	int r;

	for (size_t i = 0; i < plan->n_sysctls; i++) {
		const struct sysctl_setting *s = &plan->sysctls[i];
		lockdown_sysctl_path(s->key, path, sizeof(path));
		if ((r = write_setting(path, s->value, true)) == 0)
			continue;
		if (!s->optional)
			return fault_set(f, r, "unable to set %s=%s: %s", s->key, s->value, strerror(-r));
		log_warning("unable to set %s=%s: %s, continuing", s->key, s->value, strerror(-r));
	}
	if (plan->kernel_lockdown != KERNEL_LOCKDOWN_NONE && (r = raise_lockdown(plan->kernel_lockdown)) < 0)
		log_warning("unable to raise the kernel lockdown: %s, continuing", strerror(-r));
	if (plan->lock_modules && (r = write_setting("/proc/sys/kernel/modules_disabled", "1", true)) < 0)
		return fault_set(f, r, "unable to lock module loading: %s", strerror(-r));
	return 0;
}

int lockdown_apply_seccomp(const struct lockdown_plan *plan, struct fault *f)
{
	void *filter = NULL;
	int r = lockdown_plan_seccomp(plan, &filter, f);

	if (r < 0)
		return r;
	r = seccomp_load(filter);
	seccomp_release(filter);
	if (r < 0)
		return fault_set(f, -r, "unable to load the seccomp filter: %s", strerror(-r));
	return 0;
}
