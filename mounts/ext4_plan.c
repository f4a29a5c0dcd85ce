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
