#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/block_probe.h"
#include "common/log.h"
#include "common/spawn.h"
#include "mounts/ext4_apply.h"
#include "mounts/ext4_plan.h"

int ext4_apply_mount_volatile(const char *target, unsigned long flags, struct fault *f)
{
	if (mount("tmpfs", target, "tmpfs", flags, "mode=0755,size=25%") < 0)
		return fault_set(f, errno, "unable to mount a tmpfs on %s: %s", target, strerror(errno));
	return 0;
}

/* Reads the superblock of device and decides whether e2fsck -p can be skipped
 * (ext4_plan_clean). Returns true when the filesystem is clean; false, with the reason
 * logged, when it is not or the superblock cannot be read. */
static bool superblock_clean(const char *device, const char *label)
{
	uint8_t sb[EXT4_SUPER_SIZE];
	struct fault why = { "" };
	int fd = open(device, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd < 0 ? -1 : pread(fd, sb, sizeof(sb), EXT4_SUPER_OFFSET);

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(sb)) {
		log_info("%s: unable to read the superblock of %s, checking", label, device);
		return false;
	}
	if (!ext4_plan_clean(sb, sizeof(sb), (uint64_t)time(NULL), &why)) {
		log_info("%s: checking %s: %s", label, device, why.text);
		return false;
	}
	log_info("%s: %s is clean (superblock), e2fsck -p not needed", label, device);
	return true;
}

/* Runs e2fsck -p on device in the jail and decides from its status. Returns 0 (mount),
 * or -errno with why set when the partition must be left alone. */
static int check(const char *device, const struct spawn_jail *jail, struct fault *why)
{
	char *argv[] = { "/sbin/e2fsck", "-p", (char *)device, NULL };
	struct fault ran = { "" };
	int r = spawn_logged(argv, "e2fsck", jail, &ran);

	if (r < 0)
		log_warning("%s, continuing", ran.text);
	return ext4_plan_fsck_verdict(r, device, why);
}

/* Formats or checks the partition as the plan says, then mounts it; one that e2fsck
 * could not repair is never mounted. A filesystem whose superblock says clean is
 * mounted without spawning e2fsck (which would only read that superblock); if that
 * mount fails, e2fsck -p runs after all and the mount is tried once more. Returns 0,
 * or -errno with why set when the partition must be left alone. */
static int prepare_and_mount(const char *device, const char *label, const char *target,
			     unsigned long flags, bool format_blank, const struct spawn_jail *jail,
			     struct fault *why)
{
	char type[32];
	enum ext4_action action;
	bool checked = false;
	int r;

	if ((r = block_probe(device, type, sizeof(type), NULL, 0)) < 0)
		return fault_set(why, r, "unable to probe %s: %s", device, strerror(-r));
	action = ext4_plan_action(type[0] ? type : NULL, !type[0] && block_is_blank(device), format_blank);
	log_info("%s (%s) holds %s: %s", label, device,
		 type[0] ? type : action == EXT4_FORMAT ? "nothing (blank)" : "unrecognised data",
		 ext4_action_name(action));
	if (action == EXT4_LEAVE_ALONE)
		return fault_set(why, EMEDIUMTYPE, "%s holds %s, not ext4: left untouched",
				 device, type[0] ? type : "unrecognised data");
	if (action == EXT4_FORMAT) {
		char *argv[] = { "/sbin/mke2fs", "-q", "-t", "ext4", "-L", (char *)label, "-E", "root_owner=0:0",
				 (char *)device, NULL };
		if ((r = spawn_logged(argv, "mke2fs", jail, why)) != 0)
			return r < 0 ? r : fault_set(why, EIO, "mke2fs %s exited with %d", device, r);
		checked = true;
	} else if (!superblock_clean(device, label)) {
		if ((r = check(device, jail, why)) < 0)
			return r;
		checked = true;
	}
	if (mount(device, target, "ext4", flags, "errors=remount-ro") == 0)
		return 0;
	if (checked)
		return fault_set(why, errno, "unable to mount %s as ext4: %s", device, strerror(errno));
	log_warning("unable to mount %s as ext4 (%s) unchecked, checking it, continuing", device, strerror(errno));
	if ((r = check(device, jail, why)) < 0)
		return r;
	if (mount(device, target, "ext4", flags, "errors=remount-ro") < 0)
		return fault_set(why, errno, "unable to mount %s as ext4: %s", device, strerror(errno));
	return 0;
}

int ext4_apply_mount(const char *device, const char *label, const char *target, unsigned long flags,
		     bool format_blank, const struct spawn_jail *jail, enum storage_state *ret_state,
		     struct fault *why_volatile, struct fault *f)
{
	if (mkdir(target, 0755) < 0 && errno != EEXIST)
		return fault_set(f, errno, "unable to create %s: %s", target, strerror(errno));
	if (!device)
		fault_set(why_volatile, ENOENT, "no single partition labelled %s", label);
	else if (prepare_and_mount(device, label, target, flags, format_blank, jail, why_volatile) == 0) {
		*ret_state = STORAGE_PERSISTENT;
		return 0;
	}
	log_warning("%s is volatile (tmpfs): %s, continuing", label, why_volatile->text);
	*ret_state = STORAGE_VOLATILE;
	return ext4_apply_mount_volatile(target, flags, f);
}
