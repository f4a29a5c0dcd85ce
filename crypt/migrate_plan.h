/* The migration of a plaintext data partition to the sealed LUKS2 volume, planned
 * (docs/data-protection.md, "Migration"): how far the filesystem must shrink for the
 * header, the encryption sector size, and where a migration cut by a power loss goes
 * on. Pure: numbers and states in, decision out. */
#ifndef HARDINIT_MIGRATE_PLAN_H
#define HARDINIT_MIGRATE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/fault.h"

/* Encryption in place with a data shift: the LUKS2 header (16 MiB: metadata and
 * keyslots) takes the partition's first 16 MiB, the data moves up by as much, and the
 * reencryption keeps the first 16 MiB of the data at the partition's end while it runs
 * (cryptsetup's --reduce-device-size of twice the header). So the filesystem must end
 * MIGRATE_REDUCE bytes before the partition does. */
#define MIGRATE_HEADER (16ull * 1024 * 1024)
#define MIGRATE_REDUCE (2 * MIGRATE_HEADER)
#define MIGRATE_SECTOR_MAX 4096u

/* Where the filesystem must end: the new size in filesystem blocks for resize2fs.
 * part_bytes: the partition's size; fs_blocks, block_size: the filesystem's size.
 * Returns 0 when the filesystem already ends at or before part_bytes - MIGRATE_REDUCE
 * (nothing to shrink; *target = fs_blocks), 1 when it must shrink to *target blocks, or
 * -ENOSPC when the partition is too small to hold the header and any filesystem, or
 * -EINVAL for a block size that is not a power of two from 1024 to 65536 (why set). */
int migrate_plan_target(uint64_t part_bytes, uint64_t fs_blocks, uint32_t block_size, uint64_t *target,
			struct fault *why);

/* The LUKS2 encryption sector size for a filesystem of block_size bytes: the largest
 * power of two up to MIGRATE_SECTOR_MAX that does not exceed it (a sector larger than
 * the filesystem's block would make the device refuse its block size). Returns it, or
 * -EINVAL for a block size below 512 or not a power of two. */
int migrate_plan_sector_size(uint32_t block_size);

/* The reencryption state of the volume (libcryptsetup's crypt_reencrypt_info). */
enum migrate_reencrypt {
	MIGRATE_REENCRYPT_NONE,      /* no reencryption in the header: done (or never begun) */
	MIGRATE_REENCRYPT_CLEAN,     /* in progress, its metadata consistent: resume */
	MIGRATE_REENCRYPT_CRASH,     /* in progress, cut in a hotzone: recover, then resume */
	MIGRATE_REENCRYPT_INVALID,   /* metadata libcryptsetup cannot use */
};

/* The next step of a migration on a volume labelled "formatting" (ours, the marker
 * says MIGRATING). */
enum migrate_step {
	MIGRATE_STEP_RECOVER,        /* recover the hotzone a power cut interrupted */
	MIGRATE_STEP_REENCRYPT,      /* resume the encryption with the marker's key */
	MIGRATE_STEP_ENROL,          /* encrypted, no token: drop stray keyslots, enrol the TPM token */
	MIGRATE_STEP_DROP_TEMP,      /* the token is there and opens: destroy the temporary keyslot */
	MIGRATE_STEP_DONE,           /* only the token opens it: open it */
	MIGRATE_STEP_REFUSE,         /* none of these: left as it is (why) */
};

const char *migrate_step_name(enum migrate_step s);

/* Decides the next step from the reencryption state and, when there is none, from
 * whether the marker's key opens a keyslot (temp_opens), how many tokens the volume has
 * and whether its one token passes the check and opens it now (token_ok). A token that
 * does not pass, or several, are not hardinit's doing: refused, as is a volume neither
 * key opens. Returns the step; why says the reason for MIGRATE_STEP_REFUSE. */
enum migrate_step migrate_plan_step(enum migrate_reencrypt state, bool temp_opens, int tokens, bool token_ok,
				    struct fault *why);

#endif
