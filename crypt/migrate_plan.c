#include <errno.h>

#include "crypt/migrate_plan.h"

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int migrate_plan_target(uint64_t part_bytes, uint64_t fs_blocks, uint32_t block_size, uint64_t *target,
			struct fault *why)
{
	uint64_t limit;

	if (!pow2(block_size) || block_size < 1024 || block_size > 65536)
		return fault_set(why, EINVAL, "the filesystem's block size %u is not one ext4 makes", block_size);
	if (part_bytes < MIGRATE_REDUCE + MIGRATE_HEADER)
		return fault_set(why, ENOSPC, "the partition (%llu MiB) is smaller than the %llu MiB a LUKS2 header, "
				 "its move and a filesystem need", (unsigned long long)(part_bytes >> 20),
				 (unsigned long long)((MIGRATE_REDUCE + MIGRATE_HEADER) >> 20));
	limit = (part_bytes - MIGRATE_REDUCE) / block_size;
	if (fs_blocks <= limit) {
		*target = fs_blocks;
		return 0;
	}
	*target = limit;
	return 1;
}

int migrate_plan_sector_size(uint32_t block_size)
{
	if (block_size < 512 || !pow2(block_size))
		return -EINVAL;
	return (int)(block_size < MIGRATE_SECTOR_MAX ? block_size : MIGRATE_SECTOR_MAX);
}

const char *migrate_step_name(enum migrate_step s)
{
	static const char *const names[] = { "recover", "reencrypt", "enrol", "drop the temporary keyslot", "done",
					     "refuse" };
	return s <= MIGRATE_STEP_REFUSE ? names[s] : "?";
}

enum migrate_step migrate_plan_step(enum migrate_reencrypt state, bool temp_opens, int tokens, bool token_ok,
				    struct fault *why)
{
	switch (state) {
	case MIGRATE_REENCRYPT_CRASH:
		return MIGRATE_STEP_RECOVER;
	case MIGRATE_REENCRYPT_CLEAN:
		return MIGRATE_STEP_REENCRYPT;
	case MIGRATE_REENCRYPT_NONE:
		break;
	default:
		fault_set(why, EBADMSG, "the volume's reencryption metadata is not usable");
		return MIGRATE_STEP_REFUSE;
	}
	if (tokens == 0 && temp_opens)
		return MIGRATE_STEP_ENROL;
	if (tokens == 1 && token_ok)
		return temp_opens ? MIGRATE_STEP_DROP_TEMP : MIGRATE_STEP_DONE;
	if (tokens == 0)
		fault_set(why, EPERM, "the volume has no token and the data marker's key opens none of its keyslots");
	else if (tokens == 1)
		fault_set(why, EPERM, "the volume's token is not the one hardinit enrols, or the TPM did not unseal it");
	else
		fault_set(why, EPERM, "the volume has %d tokens, hardinit enrols exactly one", tokens);
	return MIGRATE_STEP_REFUSE;
}
