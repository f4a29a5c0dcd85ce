/*
 * [lockdown] grammar (docs/lockdown.md):
 *   modules = lock | open                       lock: kernel.modules_disabled=1 at the end
 *   kernel_lockdown = integrity | confidentiality | none
 *   seccomp_deny = bpf perf_event_open          syscalls denied on top of the baseline
 *   compat_abis = deny | filter                 deny: every i386 and x32 syscall is ENOSYS
 * [sysctl]
 *   kernel.kptr_restrict = 2                    adds or overrides a sysctl
 *   -kernel.yama.ptrace_scope = 1               "-": a failed write is only a warning
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/seccomp_export.h"
#include "lockdown/lockdown_plan.h"

static const struct sysctl_setting default_sysctls[] = {
	{ "kernel.kptr_restrict", "2", false },
	{ "kernel.dmesg_restrict", "1", false },
	{ "fs.protected_symlinks", "1", false },
	{ "fs.protected_hardlinks", "1", false },
	{ "fs.protected_fifos", "2", false },
	{ "fs.protected_regular", "2", false },
	{ "fs.suid_dumpable", "0", false },
	{ "kernel.kexec_load_disabled", "1", false },
	{ "kernel.unprivileged_bpf_disabled", "1", false },
	{ "net.core.bpf_jit_harden", "2", false },
	{ "kernel.perf_event_paranoid", "3", false },
	{ "dev.tty.ldisc_autoload", "0", false },
	{ "vm.unprivileged_userfaultfd", "0", false },
	{ "kernel.yama.ptrace_scope", "1", true },
};

/* The baseline: what no service of an appliance needs, and what an attacker wants. */
static const char *const baseline_deny[] = {
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"open_by_handle_at", "userfaultfd", "acct", "swapon", "swapoff",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
};

static const char *const default_extra_deny = "bpf perf_event_open";

static bool is_sysctl_key(const char *k)
{
	if (!*k || strlen(k) >= sizeof(((struct sysctl_setting *)0)->key) || k[0] == '.' || strstr(k, ".."))
		return false;
	return strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(k);
}

static bool is_sysctl_value(const char *v)
{
	if (strlen(v) >= sizeof(((struct sysctl_setting *)0)->value))
		return false;
	for (const char *c = v; *c; c++)
		if (*c < ' ' || *c > '~')
			return false;
	return true;
}

/* Adds or replaces a sysctl. Returns 0 or -EINVAL. */
static int set_sysctl(struct lockdown_plan *p, const char *key, const char *value, bool optional, struct fault *f)
{
	size_t i;

	if (!is_sysctl_key(key))
		return fault_set(f, EINVAL, "[sysctl] '%s' is not a sysctl name", key);
	if (!is_sysctl_value(value))
		return fault_set(f, EINVAL, "[sysctl] %s: the value is not printable text", key);
	for (i = 0; i < p->n_sysctls; i++)
		if (strcmp(p->sysctls[i].key, key) == 0)
			break;
	if (i == p->n_sysctls) {
		if (p->n_sysctls == SYSCTLS_MAX)
			return fault_set(f, EINVAL, "more than %d sysctls", SYSCTLS_MAX);
		p->n_sysctls++;
	}
	snprintf(p->sysctls[i].key, sizeof(p->sysctls[i].key), "%s", key);
	snprintf(p->sysctls[i].value, sizeof(p->sysctls[i].value), "%s", value);
	p->sysctls[i].optional = optional;
	return 0;
}

static int add_deny(struct lockdown_plan *p, const char *name, struct fault *f)
{
	for (size_t i = 0; i < p->n_deny; i++)
		if (strcmp(p->deny[i], name) == 0)
			return 0;
	if (p->n_deny == SECCOMP_DENY_MAX || strlen(name) >= sizeof(p->deny[0]))
		return fault_set(f, EINVAL, "[lockdown] seccomp_deny: too many or too long names");
	if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) == __NR_SCMP_ERROR)
		return fault_set(f, EINVAL, "[lockdown] seccomp_deny: '%s' is not an x86-64 syscall", name);
	strcpy(p->deny[p->n_deny++], name);
	return 0;
}

static int add_deny_list(struct lockdown_plan *p, const char *list, struct fault *f)
{
	char buf[256];
	char *save = NULL;
	int r;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save))
		if ((r = add_deny(p, w, f)) < 0)
			return r;
	return 0;
}

int lockdown_plan_build(const struct lockdown_settings *s, struct lockdown_plan *ret, struct fault *f)
{
	const char *extra = default_extra_deny;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->lock_modules = true;
	ret->kernel_lockdown = KERNEL_LOCKDOWN_INTEGRITY;
	ret->deny_compat_abis = true;
	for (size_t i = 0; i < sizeof(default_sysctls) / sizeof(default_sysctls[0]); i++)
		ret->sysctls[ret->n_sysctls++] = default_sysctls[i];

	for (size_t i = 0; i < s->n; i++) {
		const char *k = s->keys[i], *v = s->values[i];

		if (strcmp(s->section[i], "sysctl") == 0) {
			bool optional = k[0] == '-';
			if ((r = set_sysctl(ret, k + optional, v, optional, f)) < 0)
				return r;
		} else if (strcmp(k, "modules") == 0) {
			if (strcmp(v, "lock") && strcmp(v, "open"))
				return fault_set(f, EINVAL, "[lockdown] modules: expected lock | open, got '%s'", v);
			ret->lock_modules = strcmp(v, "lock") == 0;
		} else if (strcmp(k, "kernel_lockdown") == 0) {
			if (!strcmp(v, "none"))
				ret->kernel_lockdown = KERNEL_LOCKDOWN_NONE;
			else if (!strcmp(v, "integrity"))
				ret->kernel_lockdown = KERNEL_LOCKDOWN_INTEGRITY;
			else if (!strcmp(v, "confidentiality"))
				ret->kernel_lockdown = KERNEL_LOCKDOWN_CONFIDENTIALITY;
			else
				return fault_set(f, EINVAL, "[lockdown] kernel_lockdown: expected none | integrity | confidentiality, got '%s'", v);
		} else if (strcmp(k, "seccomp_deny") == 0) {
			extra = v;
		} else if (strcmp(k, "compat_abis") == 0) {
			if (strcmp(v, "deny") && strcmp(v, "filter"))
				return fault_set(f, EINVAL, "[lockdown] compat_abis: expected deny | filter, got '%s'", v);
			ret->deny_compat_abis = strcmp(v, "deny") == 0;
		} else {
			return fault_set(f, EINVAL, "[lockdown] %s: unknown key", k);
		}
	}
	for (size_t i = 0; i < sizeof(baseline_deny) / sizeof(baseline_deny[0]); i++)
		if ((r = add_deny(ret, baseline_deny[i], f)) < 0)
			return r;
	return add_deny_list(ret, extra, f);
}

int lockdown_plan_seccomp(const struct lockdown_plan *plan, void **ret, struct fault *f)
{
	/* Without NO_NEW_PRIVS: setuid programs of the service tree keep working (PID 1 is
	 * root, so it may load a filter without it). */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0;

	if (!ctx)
		return fault_set(f, ENOMEM, "unable to start libseccomp");
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				  plan->deny_compat_abis ? SCMP_ACT_ERRNO(ENOSYS) : SCMP_ACT_ERRNO(EPERM))) < 0) {
		r = fault_set(f, -r, "unable to set the filter's attributes: %s", strerror(-r));
		goto fail;
	}
	if (!plan->deny_compat_abis &&
	    ((r = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 || (r = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0)) {
		r = fault_set(f, -r, "unable to add the i386 and x32 ABIs: %s", strerror(-r));
		goto fail;
	}
	for (size_t i = 0; i < plan->n_deny; i++) {
		int nr = seccomp_syscall_resolve_name(plan->deny[i]);
		/* A syscall an ABI does not have is simply not in that ABI's part. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0 && r != -EDOM) {
			r = fault_set(f, -r, "unable to deny %s: %s", plan->deny[i], strerror(-r));
			goto fail;
		}
	}
	*ret = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return r;
}

char *lockdown_plan_seccomp_pfc(void *filter)
{
	return seccomp_export_text(filter);
}

int lockdown_parse_current(const char *text, enum kernel_lockdown *ret)
{
	static const char *const words[] = { "none", "integrity", "confidentiality" };
	const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;

	if (!open || !close || strchr(close + 1, '['))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((size_t)(close - open - 1) == strlen(words[i]) && !strncmp(open + 1, words[i], strlen(words[i]))) {
			*ret = (enum kernel_lockdown)i;
			return 0;
		}
	return -EINVAL;
}

void lockdown_sysctl_path(const char *key, char *path, size_t size)
{
	int n = snprintf(path, size, "/proc/sys/%s", key);

	for (int i = 10; i < n && (size_t)i < size; i++)
		if (path[i] == '.')
			path[i] = '/';
}
