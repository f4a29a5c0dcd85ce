#include <sys/mount.h>

#include "mounts/mounts_plan.h"

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)

const struct mount_entry mounts_early[] = {
	{ "proc", "/proc", "proc", NOSUID_NODEV_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", NOSUID_NODEV_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755" },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
};
const size_t mounts_early_count = sizeof(mounts_early) / sizeof(mounts_early[0]);

const struct mount_entry mounts_base[] = {
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666,gid=5" },
	{ "tmpfs", "/dev/shm", "tmpfs", NOSUID_NODEV_NOEXEC, "mode=1777" },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
};
const size_t mounts_base_count = sizeof(mounts_base) / sizeof(mounts_base[0]);
