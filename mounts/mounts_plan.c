#include <linux/magic.h>
#include <sys/mount.h>

#include "mounts/mounts_plan.h"

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)

const struct mount_entry mounts_early[] = {
	{ "proc", "/proc", "proc", NOSUID_NODEV_NOEXEC, NULL, PROC_SUPER_MAGIC },
	{ "sysfs", "/sys", "sysfs", NOSUID_NODEV_NOEXEC, NULL, SYSFS_MAGIC },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755", TMPFS_MAGIC },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", TMPFS_MAGIC },
};
const size_t mounts_early_count = sizeof(mounts_early) / sizeof(mounts_early[0]);

const struct mount_entry mounts_base[] = {
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666,gid=5", DEVPTS_SUPER_MAGIC },
	{ "tmpfs", "/dev/shm", "tmpfs", NOSUID_NODEV_NOEXEC, "mode=1777", TMPFS_MAGIC },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", TMPFS_MAGIC },
};
const size_t mounts_base_count = sizeof(mounts_base) / sizeof(mounts_base[0]);
