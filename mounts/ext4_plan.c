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

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#define SB_MNT_COUNT 0x34
#define SB_MAX_MNT_COUNT 0x36
#define SB_STATE 0x3A
#define SB_LASTCHECK 0x40
#define SB_CHECKINTERVAL 0x44
#define SB_FEATURE_RO_COMPAT 0x64
#define SB_LAST_ORPHAN 0xE8
#define SB_ERROR_COUNT 0x194

#define STATE_VALID 0x1            /* cleanly unmounted */
#define STATE_ERROR 0x2            /* errors detected */
#define STATE_ORPHAN 0x4           /* orphans being recovered */
#define INCOMPAT_RECOVER 0x4       /* the journal needs replaying */
#define RO_COMPAT_ORPHAN_PRESENT 0x10000

/* The features an ext4 filesystem made by mke2fs may carry that leave e2fsck -p
 * nothing to do on a clean filesystem. Anything else (compression, an external journal,
 * snapshots, replicas, shared blocks, a bit no release defines) is left to e2fsck.
 * incompat: filetype meta_bg extents 64bit mmp flex_bg ea_inode dirdata csum_seed
 * largedir inline_data encrypt casefold; ro_compat: sparse_super large_file huge_file
 * gdt_csum dir_nlink extra_isize quota bigalloc metadata_csum readonly project verity. */
#define INCOMPAT_KNOWN 0x3F7D2u
#define RO_COMPAT_KNOWN 0xB77Bu

bool ext4_plan_clean(const uint8_t *sb, size_t len, uint64_t now, struct fault *why)
{
	uint16_t state, mnt, max_mnt;
	uint32_t incompat, ro_compat, last, interval;

	if (len < EXT4_SUPER_SIZE || sb[SB_MAGIC] != 0x53 || sb[SB_MAGIC + 1] != 0xEF)
		return fault_set(why, EBADMSG, "no ext4 superblock"), false;
	state = le16(sb + SB_STATE);
	if (!(state & STATE_VALID))
		return fault_set(why, EUCLEAN, "not cleanly unmounted"), false;
	if (state & (STATE_ERROR | STATE_ORPHAN) || le32(sb + SB_ERROR_COUNT))
		return fault_set(why, EUCLEAN, "it has recorded errors"), false;
	incompat = le32(sb + SB_FEATURE_INCOMPAT);
	ro_compat = le32(sb + SB_FEATURE_RO_COMPAT);
	if (incompat & INCOMPAT_RECOVER)
		return fault_set(why, EUCLEAN, "its journal needs replaying"), false;
	if (le32(sb + SB_LAST_ORPHAN) || ro_compat & RO_COMPAT_ORPHAN_PRESENT)
		return fault_set(why, EUCLEAN, "it has orphan inodes"), false;
	if (incompat & ~INCOMPAT_KNOWN || ro_compat & ~RO_COMPAT_KNOWN)
		return fault_set(why, EUCLEAN, "it has features outside the known set"), false;
	mnt = le16(sb + SB_MNT_COUNT);
	max_mnt = le16(sb + SB_MAX_MNT_COUNT);
	if ((int16_t)max_mnt > 0 && mnt >= max_mnt)
		return fault_set(why, EUCLEAN, "it was mounted %u times (check every %u)", mnt, max_mnt), false;
	last = le32(sb + SB_LASTCHECK);
	interval = le32(sb + SB_CHECKINTERVAL);
	if (interval && (now < last || now - last >= interval))
		return fault_set(why, EUCLEAN, "its check interval has passed"), false;
	return true;
}
