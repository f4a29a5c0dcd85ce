#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "golden.h"
#include "init/policy.h"
#include "lockdown/lockdown_plan.h"

static struct policy p;
static struct lockdown_plan plan;
static struct fault f;

static void setup(void)
{
	policy_set_defaults(&p);
	memset(&f, 0, sizeof(f));
}

TestSuite(lockdown, .init = setup);

static const struct sysctl_setting *find(const char *key)
{
	for (size_t i = 0; i < plan.n_sysctls; i++)
		if (strcmp(plan.sysctls[i].key, key) == 0)
			return &plan.sysctls[i];
	return NULL;
}

/* The default sysctls, each required but Yama's; modules locked; the LSM at integrity. */
Test(lockdown, default_sysctls)
{
	static const char *const want[][2] = {
		{ "kernel.kptr_restrict", "2" }, { "kernel.dmesg_restrict", "1" }, { "fs.protected_symlinks", "1" },
		{ "fs.protected_hardlinks", "1" }, { "fs.protected_fifos", "2" }, { "fs.protected_regular", "2" },
		{ "fs.suid_dumpable", "0" }, { "kernel.kexec_load_disabled", "1" }, { "kernel.unprivileged_bpf_disabled", "1" },
		{ "net.core.bpf_jit_harden", "2" }, { "kernel.perf_event_paranoid", "3" }, { "dev.tty.ldisc_autoload", "0" },
		{ "vm.unprivileged_userfaultfd", "0" }, { "kernel.yama.ptrace_scope", "1" },
	};
	char path[128];

	cr_assert_eq(lockdown_plan_build(&p.lockdown, &plan, &f), 0, "%s", f.text);
	cr_assert_eq(plan.n_sysctls, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct sysctl_setting *s = find(want[i][0]);
		cr_assert_not_null(s, "%s missing", want[i][0]);
		cr_assert_str_eq(s->value, want[i][1]);
		cr_assert_eq(s->optional, strcmp(want[i][0], "kernel.yama.ptrace_scope") == 0);
	}
	cr_assert(plan.lock_modules);
	cr_assert_eq(plan.kernel_lockdown, KERNEL_LOCKDOWN_INTEGRITY);
	cr_assert(plan.deny_compat_abis);
	lockdown_sysctl_path("kernel.yama.ptrace_scope", path, sizeof(path));
	cr_assert_str_eq(path, "/proc/sys/kernel/yama/ptrace_scope");
}

/* The policy adds and overrides sysctls; "-" makes one optional. */
Test(lockdown, policy_sysctls)
{
	cr_assert_eq(policy_parse_text("[sysctl]\nkernel.kptr_restrict = 1\n-net.ipv4.tcp_syncookies = 1\n"
				       "[lockdown]\nmodules = open\nkernel_lockdown = none\n", "t", &p, &f), 0, "%s", f.text);
	cr_assert_eq(lockdown_plan_build(&p.lockdown, &plan, &f), 0, "%s", f.text);
	cr_assert_str_eq(find("kernel.kptr_restrict")->value, "1");
	cr_assert(find("net.ipv4.tcp_syncookies")->optional);
	cr_assert_not(plan.lock_modules);
	cr_assert_eq(plan.kernel_lockdown, KERNEL_LOCKDOWN_NONE);
}

struct bad_case {
	char policy[96];
	char reason[64];
};

ParameterizedTestParameters(lockdown, bad_values)
{
	static struct bad_case cases[] = {
		{ "[sysctl]\nkernel/../x = 1\n", "is not a sysctl name" },
		{ "[sysctl]\nkernel..x = 1\n", "is not a sysctl name" },
		{ "[lockdown]\nmodules = maybe\n", "modules: expected lock | open" },
		{ "[lockdown]\nkernel_lockdown = max\n", "kernel_lockdown: expected" },
		{ "[lockdown]\ncompat_abis = allow\n", "compat_abis: expected deny | filter" },
		{ "[lockdown]\nseccomp_deny = reboot nosuchcall\n", "'nosuchcall' is not an x86-64 syscall" },
		{ "[lockdown]\nshell = yes\n", "shell: unknown key" },
	};
	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* Bad lockdown settings are refused (the boot plan then fails: FATAL plan). */
ParameterizedTest(struct bad_case *c, lockdown, bad_values, .init = setup)
{
	cr_assert_eq(policy_parse_text(c->policy, "t", &p, &f), 0);
	cr_assert_eq(lockdown_plan_build(&p.lockdown, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, c->reason), "got '%s', want '%s'", f.text, c->reason);
}

struct pfc_case {
	char golden[40];
	char policy[120];
};

ParameterizedTestParameters(lockdown, pfc)
{
	static struct pfc_case cases[] = {
		{ "golden/seccomp-default.pfc", "" },
		{ "golden/seccomp-custom.pfc", "[lockdown]\nseccomp_deny = keyctl add_key request_key\ncompat_abis = filter\n" },
	};
	return cr_make_param_array(struct pfc_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The filter, exported as PFC (never loaded here), matches its golden file: the arch
 * checks, the EPERM list, ENOSYS for the other ABIs, and no KILL anywhere. */
ParameterizedTest(struct pfc_case *c, lockdown, pfc, .init = setup)
{
	void *filter = NULL;
	char *text;

	cr_assert_eq(policy_parse_text(c->policy, "t", &p, &f), 0, "%s", f.text);
	cr_assert_eq(lockdown_plan_build(&p.lockdown, &plan, &f), 0, "%s", f.text);
	cr_assert_eq(lockdown_plan_seccomp(&plan, &filter, &f), 0, "%s", f.text);
	text = lockdown_plan_seccomp_pfc(filter);
	seccomp_release(filter);
	cr_assert_not_null(text);
	cr_assert_null(strstr(text, "KILL"), "a KILL action would panic the kernel when it hits PID 1");
	golden_check(c->golden, text);
	free(text);
}

/* The level the kernel reports: the bracketed word, nothing else. */
Test(lockdown, parse_current)
{
	enum kernel_lockdown l = KERNEL_LOCKDOWN_NONE;

	cr_assert_eq(lockdown_parse_current("none [integrity] confidentiality\n", &l), 0);
	cr_assert_eq(l, KERNEL_LOCKDOWN_INTEGRITY);
	cr_assert_eq(lockdown_parse_current("[none] integrity confidentiality\n", &l), 0);
	cr_assert_eq(l, KERNEL_LOCKDOWN_NONE);
	cr_assert_eq(lockdown_parse_current("none integrity [confidentiality]\n", &l), 0);
	cr_assert_eq(l, KERNEL_LOCKDOWN_CONFIDENTIALITY);
	cr_assert_eq(lockdown_parse_current("none integrity confidentiality\n", &l), -EINVAL);
	cr_assert_eq(lockdown_parse_current("[none] [integrity]", &l), -EINVAL);
	cr_assert_eq(lockdown_parse_current("none [integ] confidentiality", &l), -EINVAL);
	cr_assert_eq(lockdown_parse_current("[integrity", &l), -EINVAL);
	cr_assert_eq(lockdown_parse_current("", &l), -EINVAL);
}
