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

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define SB_BLOCKS_LO 0x04
#define SB_LOG_BLOCK_SIZE 0x18
#define SB_MAGIC 0x38
#define SB_FEATURE_INCOMPAT 0x60
#define SB_BLOCKS_HI 0x150
#define INCOMPAT_64BIT 0x80

int ext4_plan_geometry(const uint8_t *sb, size_t len, struct ext4_geometry *ret, struct fault *why)
{
	uint32_t log;

	if (len < EXT4_SUPER_SIZE)
		return fault_set(why, EBADMSG, "the superblock is %zu bytes, not %d", len, EXT4_SUPER_SIZE);
	if (sb[SB_MAGIC] != 0x53 || sb[SB_MAGIC + 1] != 0xEF)
		return fault_set(why, EBADMSG, "no ext4 superblock (magic %02x%02x)", sb[SB_MAGIC + 1], sb[SB_MAGIC]);
	if ((log = le32(sb + SB_LOG_BLOCK_SIZE)) > 6)
		return fault_set(why, EBADMSG, "the superblock's block size (log %u) is not one ext4 makes", log);
	ret->block_size = 1024u << log;
	ret->blocks = le32(sb + SB_BLOCKS_LO);
	if (le32(sb + SB_FEATURE_INCOMPAT) & INCOMPAT_64BIT)
		ret->blocks |= (uint64_t)le32(sb + SB_BLOCKS_HI) << 32;
	if (!ret->blocks)
		return fault_set(why, EBADMSG, "the superblock says the filesystem has no blocks");
	return 0;
}
