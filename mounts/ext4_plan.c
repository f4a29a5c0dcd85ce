#include <errno.h>
#include <string.h>

#include "mounts/ext4_plan.h"

enum ext4_action ext4_plan_action(const char *fstype, bool blank, bool format_blank)
{
	if (fstype)
		return strcmp(fstype, "ext4") == 0 ? EXT4_CHECK_AND_MOUNT : EXT4_LEAVE_ALONE;
	return blank && format_blank ? EXT4_FORMAT : EXT4_LEAVE_ALONE;
}

const char *ext4_action_name(enum ext4_action a)
{
	static const char *const names[] = { "check-and-mount", "format", "leave-alone" };
	return names[a];
}

int ext4_plan_fsck_verdict(int status, const char *device, struct fault *why)
{
	if (status >= 0 && status <= 3)
		return 0;
	if (status < 0)
		return fault_set(why, EIO, "e2fsck could not check %s (%s): left untouched", device, strerror(-status));
	if (status < 8)
		return fault_set(why, EUCLEAN, "e2fsck -p could not repair %s (exit status %d): left untouched",
				 device, status);
	return fault_set(why, EIO, "e2fsck failed on %s (exit status %d, %s): left untouched", device, status,
			 status & 8 ? "operational error" : status & 16 ? "usage error" :
			 status & 32 ? "cancelled" : status & 128 ? "shared library error" : "unknown status");
}
