/* Kernel and service-tree lockdown, planned: the sysctls to write, whether to lock
 * module loading and raise the lockdown LSM, and the seccomp baseline the service tree
 * inherits. Pure but for libseccomp, whose filter is built here and exported as PFC
 * text (golden-tested) without being loaded. docs/lockdown.md. */
#ifndef HARDINIT_LOCKDOWN_PLAN_H
#define HARDINIT_LOCKDOWN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/fault.h"

#define SYSCTLS_MAX 48
#define SECCOMP_DENY_MAX 48

struct sysctl_setting {
	char key[64];         /* kernel.kptr_restrict */
	char value[64];
	bool optional;        /* a failed write is a warning, not a FATAL line */
};

enum kernel_lockdown { KERNEL_LOCKDOWN_NONE, KERNEL_LOCKDOWN_INTEGRITY, KERNEL_LOCKDOWN_CONFIDENTIALITY };

struct lockdown_plan {
	struct sysctl_setting sysctls[SYSCTLS_MAX];
	size_t n_sysctls;
	bool lock_modules;                 /* kernel.modules_disabled=1 after the last module */
	enum kernel_lockdown kernel_lockdown;
	char deny[SECCOMP_DENY_MAX][32];   /* syscalls that return EPERM */
	size_t n_deny;
	bool deny_compat_abis;             /* i386 and x32 syscalls return ENOSYS, all of them */
};

/* The settings as read from the policy file: [lockdown] and [sysctl] kept as text. */
#define LOCKDOWN_KEYS_MAX 48
struct lockdown_settings {
	char section[LOCKDOWN_KEYS_MAX][12];
	char keys[LOCKDOWN_KEYS_MAX][64];
	char values[LOCKDOWN_KEYS_MAX][256];
	size_t n;
};

/* Builds the plan from the defaults and the settings. A [sysctl] key written "-key" is
 * optional. Returns 0 or -EINVAL (f names the key). */
int lockdown_plan_build(const struct lockdown_settings *s, struct lockdown_plan *ret, struct fault *f);

/* Builds the seccomp filter (a libseccomp context, not loaded): default allow; the
 * plan's syscalls return EPERM on x86-64; i386 and x32 either return ENOSYS for every
 * syscall (deny_compat_abis) or get the same EPERM list. Never a KILL action: one
 * reaching PID 1 would panic the kernel. Returns 0 and *ret (seccomp_release it), or
 * -errno. */
int lockdown_plan_seccomp(const struct lockdown_plan *plan, void **ret, struct fault *f);

/* The filter as libseccomp's PFC text. Returns a malloc'd string or NULL. */
char *lockdown_plan_seccomp_pfc(void *filter);

/* The level /sys/kernel/security/lockdown reports ("none [integrity] confidentiality":
 * the bracketed word). Returns 0 with *ret, or -EINVAL for any other text. */
int lockdown_parse_current(const char *text, enum kernel_lockdown *ret);

/* "/proc/sys/kernel/kptr_restrict" for "kernel.kptr_restrict". */
void lockdown_sysctl_path(const char *key, char *path, size_t size);

#endif
