#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>

#include <seccomp.h>

#include "sandbox/sandbox_plan.h"

const char *const sandbox_plan_host_dirs[] = { "/usr", "/lib", "/lib64", "/bin", "/sbin", NULL };

/* What a filesystem checker never needs, and what an attacker who took it over wants. */
static const char *const deny[] = {
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
	"fsmount", "fspick", "mount_setattr", "unshare", "setns",
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"keyctl", "add_key", "request_key", "socket", "socketpair", "mknod", "mknodat",
	"open_by_handle_at", "name_to_handle_at", "settimeofday", "clock_settime", "clock_adjtime",
	"adjtimex", "sethostname", "setdomainname", "reboot", "swapon", "swapoff", "acct", "syslog",
	"quotactl", "iopl", "ioperm", "personality", "uselib", "vhangup",
};

/* The namespace flags clone(2) can carry (CLONE_NEWTIME shares its bit with the exit
 * signal there, so it is only reachable through unshare and clone3, both denied). */
static const unsigned long clone_ns[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

int sandbox_plan_seccomp(void **ret, struct fault *f)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return fault_set(f, ENOMEM, "unable to start libseccomp");
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS))) < 0) {
		r = fault_set(f, -r, "unable to set the filter's attributes: %s", strerror(-r));
		goto fail;
	}
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++) {
		int nr = seccomp_syscall_resolve_name(deny[i]);

		if (nr == __NR_SCMP_ERROR) {
			r = fault_set(f, ENOSYS, "unable to deny %s: libseccomp does not know it", deny[i]);
			goto fail;
		}
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0) {
			r = fault_set(f, -r, "unable to deny %s: %s", deny[i], strerror(-r));
			goto fail;
		}
	}
	for (size_t i = 0; i < sizeof(clone_ns) / sizeof(clone_ns[0]); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
					  SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns[i], clone_ns[i]))) < 0) {
			r = fault_set(f, -r, "unable to deny clone with namespaces: %s", strerror(-r));
			goto fail;
		}
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TIOCSTI))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TIOCLINUX))) < 0) {
		r = fault_set(f, -r, "unable to add the clone3 and ioctl rules: %s", strerror(-r));
		goto fail;
	}
	*ret = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return r;
}

int sandbox_plan_check_path(const char *path, bool device, struct fault *f)
{
	const char *c = path;

	if (path[0] != '/')
		return fault_set(f, EINVAL, "%s is not an absolute path", path);
	while (*c == '/') {
		size_t n = strcspn(c + 1, "/");

		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return fault_set(f, EINVAL, "%s has an empty, \".\" or \"..\" component", path);
		c += 1 + n;
	}
	if (strncmp(path, "/run/", 5) == 0)
		return fault_set(f, EINVAL, "%s is under /run, where the sandbox's root is built", path);
	if (device && strncmp(path, "/dev/", 5) != 0)
		return fault_set(f, EINVAL, "the device %s is not under /dev/", path);
	return 0;
}

bool sandbox_plan_host_covers(const char *path)
{
	for (size_t i = 0; sandbox_plan_host_dirs[i]; i++) {
		size_t n = strlen(sandbox_plan_host_dirs[i]);

		if (strncmp(path, sandbox_plan_host_dirs[i], n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}
