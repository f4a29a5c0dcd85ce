#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/seccomp_export.h"
#include "sandbox/sandbox_apply.h"
#include "sandbox/sandbox_plan.h"

#define NEW_ROOT "/run"
#define ROOT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define DEV_FLAGS (MS_NOSUID | MS_NOEXEC)

/* Everything below runs in the child between clone and execve: system calls only. */

/* NEW_ROOT followed by path into buf. Returns buf, or NULL if it does not fit. */
static char *under_root(char *buf, size_t size, const char *path)
{
	size_t n = strlen(path);

	if (sizeof(NEW_ROOT) + n > size)
		return NULL;
	memcpy(buf, NEW_ROOT, sizeof(NEW_ROOT) - 1);
	memcpy(buf + sizeof(NEW_ROOT) - 1, path, n + 1);
	return buf;
}

/* Makes the directories leading to path (itself under NEW_ROOT). Returns 0 or -errno. */
static int make_parents(char *path)
{
	for (char *c = path + sizeof(NEW_ROOT); *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		int r = mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
		*c = '/';
		if (r < 0)
			return r;
	}
	return 0;
}

/* Shows the host's path at the same place in the new root, read-only, by a bind
 * mount (a symlink is copied as a symlink). Returns 0 or -errno. */
static int show(const char *path, unsigned long flags)
{
	char dst[512], target[512];
	struct stat st;
	ssize_t n;
	int fd, r;

	if (!under_root(dst, sizeof(dst), path))
		return -ENAMETOOLONG;
	if (lstat(path, &st) < 0)
		return -errno;
	if ((r = make_parents(dst)) < 0)
		return r;
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			return -errno;
		target[n] = '\0';
		return symlink(target, dst) < 0 ? -errno : 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(dst, 0755) < 0)
			return -errno;
	} else {
		if ((fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0)
			return -errno;
		close(fd);
	}
	if (mount(path, dst, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | flags, NULL) < 0)
		return -errno;
	return 0;
}

/* Makes a node for each block device named in argv[1..], under the new /dev. */
static int make_devices(char *const argv[])
{
	char dst[512];
	struct stat st;

	for (size_t i = 1; argv[i]; i++) {
		if (argv[i][0] != '/' || stat(argv[i], &st) < 0 || !S_ISBLK(st.st_mode))
			continue;
		if (sandbox_plan_check_path(argv[i], true, NULL) < 0 || !under_root(dst, sizeof(dst), argv[i]))
			return -EINVAL;
		int r = make_parents(dst);

		if (r < 0)
			return r;
		if (mknod(dst, S_IFBLK | 0600, st.st_rdev) < 0 || chown(dst, SANDBOX_UID, SANDBOX_GID) < 0)
			return -errno;
	}
	return 0;
}

/* Builds the new root at NEW_ROOT (in this child's own mount namespace, so that
 * nothing of it is seen outside) and makes it the child's root. */
static int build_root(const struct sandbox *sb, char *const argv[], const char **step)
{
	int r, fd;

	umask(0);
	*step = "make the mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	*step = "mount the sandbox's root tmpfs";
	if (mount("tmpfs", NEW_ROOT, "tmpfs", ROOT_FLAGS, "mode=0755,size=64k,nr_inodes=256") < 0)
		return -errno;
	*step = "show the host's library directories";
	for (size_t i = 0; sandbox_plan_host_dirs[i]; i++)
		if ((r = show(sandbox_plan_host_dirs[i], 0)) < 0 && r != -ENOENT)
			return r;
	*step = "show the program";
	if (sandbox_plan_check_path(argv[0], false, NULL) < 0)
		return -EINVAL;
	if (!sandbox_plan_host_covers(argv[0]) && (r = show(argv[0], 0)) < 0)
		return r;
	*step = "show the program's files";
	for (size_t i = 0; sb->files[i]; i++)
		if ((r = sandbox_plan_check_path(sb->files[i], false, NULL)) < 0 ||
		    ((r = show(sb->files[i], MS_NOEXEC)) < 0 && r != -ENOENT))
			return r;
	*step = "make /etc/mtab";
	if ((mkdir(NEW_ROOT "/etc", 0755) < 0 && errno != EEXIST) ||
	    (fd = open(NEW_ROOT "/etc/mtab", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0)
		return -errno;
	close(fd);
	*step = "make /dev";
	if (mkdir(NEW_ROOT "/dev", 0755) < 0 ||
	    mount("tmpfs", NEW_ROOT "/dev", "tmpfs", DEV_FLAGS, "mode=0755,size=4k,nr_inodes=16") < 0)
		return -errno;
	if (mknod(NEW_ROOT "/dev/null", S_IFCHR | 0666, makedev(1, 3)) < 0)
		return -errno;
	if ((r = make_devices(argv)) < 0)
		return r;
	*step = "make the sandbox's root read-only";
	if (mount(NULL, NEW_ROOT "/dev", NULL, MS_REMOUNT | MS_RDONLY | DEV_FLAGS, NULL) < 0 ||
	    mount(NULL, NEW_ROOT, NULL, MS_REMOUNT | MS_RDONLY | ROOT_FLAGS, NULL) < 0)
		return -errno;
	*step = "enter the sandbox's root";
	if (chdir(NEW_ROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return -errno;
	umask(077);
	return 0;
}

/* Drops to SANDBOX_UID with no capability left anywhere, then no_new_privs and the
 * filter. Raw system calls: glibc's setresuid would signal threads that the parent
 * has and this copy does not. */
static int drop_privileges(const struct sandbox *sb, const char **step)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct none[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	*step = "drop the capability bounding set";
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	*step = "clear the ambient capabilities";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	*step = "drop to the sandbox's user";
	if (syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, SANDBOX_GID, SANDBOX_GID, SANDBOX_GID) < 0 ||
	    syscall(SYS_setresuid, SANDBOX_UID, SANDBOX_UID, SANDBOX_UID) < 0)
		return -errno;
	*step = "clear the capabilities";
	if (syscall(SYS_capset, &hdr, none) < 0)
		return -errno;
	*step = "set no_new_privs";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	*step = "load the seccomp filter";
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sb->filter, 0, 0) < 0)
		return -errno;
	return 0;
}

static int enter(void *ctx, char *const argv[], const char **step)
{
	const struct sandbox *sb = ctx;
	int r;

	*step = "load the seccomp filter";
	if (!sb->filter.filter)
		return -ENOSYS;
	if ((r = build_root(sb, argv, step)) < 0)
		return r;
	return drop_privileges(sb, step);
}

int sandbox_apply_prepare(struct sandbox *sb, const char *const files[], struct fault *f)
{
	void *ctx = NULL;
	size_t n = 0;
	int r;

	memset(sb, 0, sizeof(*sb));
	sb->jail.clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWCGROUP;
	sb->jail.enter = enter;
	sb->jail.ctx = sb;
	for (; files && files[n]; n++) {
		if (n == SANDBOX_FILES_MAX)
			return fault_set(f, E2BIG, "more than %d files for the sandbox", SANDBOX_FILES_MAX);
		if ((r = sandbox_plan_check_path(files[n], false, f)) < 0)
			return r;
		sb->files[n] = files[n];
	}
	if ((r = sandbox_plan_seccomp(&ctx, f)) < 0)
		return r;
	r = seccomp_export_prog(ctx, &sb->filter);
	seccomp_release(ctx);
	return r < 0 ? fault_set(f, -r, "unable to export the sandbox's seccomp filter: %s", strerror(-r)) : 0;
}

void sandbox_apply_release(struct sandbox *sb)
{
	free(sb->filter.filter);
	sb->filter.filter = NULL;
}
