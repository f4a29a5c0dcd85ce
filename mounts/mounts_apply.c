#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/log.h"
#include "mounts/mounts_apply.h"

/* Is path the root of a mount (statx's STATX_ATTR_MOUNT_ROOT, no symlink followed)? */
static bool is_mount_root(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int mounts_apply_table(const struct mount_entry *table, size_t n, struct fault *f)
{
	for (size_t i = 0; i < n; i++) {
		const struct mount_entry *m = &table[i];
		struct statfs sf;

		if (is_mount_root(m->target)) {
			/* init= mode: the distro's initramfs mounted it. Keep it if it is the
			 * right filesystem, with our flags on the mount (not its superblock). */
			if (statfs(m->target, &sf) < 0 || (unsigned long)sf.f_type != m->magic)
				return fault_set(f, EPERM, "%s is mounted, but not as %s", m->target, m->fstype);
			if (mount(NULL, m->target, NULL, MS_REMOUNT | MS_BIND | m->flags, NULL) < 0)
				return fault_set(f, errno, "unable to remount %s with its flags: %s", m->target,
						 strerror(errno));
			continue;
		}
		if (mkdir(m->target, 0755) < 0 && errno != EEXIST && errno != EROFS)
			return fault_set(f, errno, "unable to create %s: %s", m->target, strerror(errno));
		if (mount(m->source, m->target, m->fstype, m->flags, m->options) < 0)
			return fault_set(f, errno, "unable to mount %s on %s: %s", m->fstype, m->target,
					 strerror(errno));
	}
	return 0;
}

static dev_t initramfs_dev;

/* nftw callback: removes one entry of the initramfs, children first. Entries on
 * another filesystem are skipped (FTW_MOUNT keeps the walk from entering them). */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (st->st_dev != initramfs_dev || strcmp(path, ".") == 0)
		return 0;
	if (type == FTW_DP)
		(void)rmdir(path); /* a mount point stays busy: nothing to do about it */
	else
		(void)unlink(path);
	return 0;
}

int mounts_apply_switch_root(const char *newroot, struct fault *f)
{
	static const char *const moved[] = { "/proc", "/sys", "/dev", "/run" };
	struct stat st;
	char target[256];

	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		snprintf(target, sizeof(target), "%s%s", newroot, moved[i]);
		if (mount(moved[i], target, NULL, MS_MOVE, NULL) < 0)
			return fault_set(f, errno, "unable to move %s to %s: %s", moved[i], target, strerror(errno));
	}
	if (stat("/", &st) < 0)
		return fault_set(f, errno, "unable to stat the initramfs: %s", strerror(errno));
	initramfs_dev = st.st_dev;
	if (chdir("/") < 0)
		return fault_set(f, errno, "unable to enter the initramfs root: %s", strerror(errno));
	/* The initramfs is ours (no attacker input): a bounded tree, safe to walk. */
	(void)nftw(".", remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);

	if (chdir(newroot) < 0)
		return fault_set(f, errno, "unable to enter %s: %s", newroot, strerror(errno));
	if (mount(newroot, "/", NULL, MS_MOVE, NULL) < 0)
		return fault_set(f, errno, "unable to move %s to /: %s", newroot, strerror(errno));
	if (chroot(".") < 0 || chdir("/") < 0)
		return fault_set(f, errno, "unable to chroot into %s: %s", newroot, strerror(errno));
	return 0;
}
