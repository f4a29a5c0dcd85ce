/* The sandbox that e2fsck and mke2fs parse the attacker-writable data and logs
 * partitions in, planned: its seccomp filter and the host paths it shows. Pure but for
 * libseccomp, whose filter is built here and exported as PFC text (golden-tested)
 * without being loaded. docs/state.md, "fsck in a sandbox". */
#ifndef HARDINIT_SANDBOX_PLAN_H
#define HARDINIT_SANDBOX_PLAN_H

#include <stdbool.h>

#include "common/fault.h"

/* The unprivileged ids the sandboxed program runs as (nobody, nogroup). */
#define SANDBOX_UID 65534
#define SANDBOX_GID 65534

/* The host directories shown read-only (or as the same symlink) in the sandbox's root,
 * where they exist: the program's shared libraries live there. NULL-terminated. */
extern const char *const sandbox_plan_host_dirs[];

/* Builds the filter (a libseccomp context, not loaded): default allow; mount and the
 * new mount API, chroot, pivot_root, unshare, setns, clone with a namespace flag,
 * ptrace and other processes' memory, module and kexec loading, bpf, perf, userfaultfd,
 * io_uring, the keyring, sockets, mknod, file handles, the clock, reboot, swap, syslog
 * and terminal injection return EPERM; clone3 returns ENOSYS (glibc then uses clone,
 * whose flags the filter can see); the i386 and x32 ABIs return ENOSYS for every
 * syscall. Errno actions only. Returns 0 and *ret (seccomp_release it), or -errno. */
int sandbox_plan_seccomp(void **ret, struct fault *f);

/* Checks a path the sandbox is asked to show (the program, a file, a device): absolute,
 * no "." or ".." component, no empty component, not under /run (the sandbox's root is
 * built there) and, for a device, under /dev/. Returns 0 or -EINVAL with f set. */
int sandbox_plan_check_path(const char *path, bool device, struct fault *f);

/* True if path is inside one of sandbox_plan_host_dirs (so already shown). */
bool sandbox_plan_host_covers(const char *path);

#endif
