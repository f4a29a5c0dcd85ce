/* Fuzz target: the ext4 superblock of a data or logs partition as PID 1 reads it:
 * whether e2fsck -p can be skipped (mounts/ext4_plan.c ext4_plan_clean), and, for a
 * migration, the filesystem's size (ext4_plan_geometry) and the shrink it decides from it
 * (crypt/migrate_plan.c migrate_plan_target, migrate_plan_sector_size). Anyone holding
 * the disk file writes these bytes. Input: the superblock (EXT4_SUPER_SIZE bytes;
 * shorter is refused, longer is cut); the partition is 64 MiB. */
#include <stdlib.h>

#include "crypt/migrate_plan.h"
#include "mounts/ext4_plan.h"
#include "tests/fuzz/fuzz.h"

#define PART (64ull * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ext4_geometry g;
	struct fault f = { "" };
	uint64_t target;
	int r, s;

	if (ext4_plan_clean(data, size, 1800000000, &f) &&
	    (size < EXT4_SUPER_SIZE || data[0x38] != 0x53 || data[0x39] != 0xEF || !(data[0x3A] & 1) || data[0x3A] & 6))
		abort();             /* skipped e2fsck on a filesystem not cleanly unmounted */
	if (ext4_plan_geometry(data, size, &g, &f) < 0)
		return 0;
	if (g.block_size < 1024 || g.block_size > 65536 || (g.block_size & (g.block_size - 1)) || !g.blocks)
		abort();             /* accepted a geometry ext4 never has */
	r = migrate_plan_target(PART, g.blocks, g.block_size, &target, &f);
	if (r >= 0 && (target > g.blocks || (r == 1 && target * g.block_size > PART - MIGRATE_REDUCE)))
		abort();             /* a shrink that grows, or leaves no room for the header */
	s = migrate_plan_sector_size(g.block_size);
	if (s < 512 || s > (int)MIGRATE_SECTOR_MAX || (uint32_t)s > g.block_size)
		abort();             /* a sector the filesystem's blocks cannot hold */
	return 0;
}
