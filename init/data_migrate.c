/* mount-data's migration of a plaintext data partition to the sealed volume
 * (docs/data-protection.md, "Migration"), offline in the initramfs: e2fsck -f and
 * resize2fs in the tools' sandbox make room for the header, the TPM's data marker
 * takes the temporary key before anything else on the disk changes, libcryptsetup
 * encrypts in place in a child process (crypt/luks_migrate.c), and only when the TPM
 * token opens the volume does the marker say sealed. A power cut anywhere leaves what
 * the next boot resumes (the marker MIGRATING and its key). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/log.h"
#include "crypt/luks_apply.h"
#include "crypt/migrate_plan.h"
#include "init/data.h"
#include "mounts/ext4_plan.h"

/* The partition's size and its filesystem's, from the superblock. Returns 0 or -errno. */
static int geometry(const char *device, uint64_t *part_bytes, struct ext4_geometry *g, struct fault *why)
{
	uint8_t sb[EXT4_SUPER_SIZE];
	int fd, r = 0;

	if ((fd = open(device, O_RDONLY | O_CLOEXEC)) < 0)
		return fault_set(why, errno, "unable to open %s: %s", device, strerror(errno));
	if (ioctl(fd, BLKGETSIZE64, part_bytes) < 0)
		r = fault_set(why, errno, "unable to get the size of %s: %s", device, strerror(errno));
	else if (pread(fd, sb, sizeof(sb), EXT4_SUPER_OFFSET) != (ssize_t)sizeof(sb))
		r = fault_set(why, EIO, "unable to read the superblock of %s", device);
	else
		r = ext4_plan_geometry(sb, sizeof(sb), g, why);
	close(fd);
	return r;
}

/* Checks the plaintext filesystem (e2fsck -f: resize2fs wants a full check) and shrinks
 * it so that it ends MIGRATE_REDUCE bytes before the partition, both in jail. Nothing
 * else is written: on failure the partition is as e2fsck left it.
 * Returns the encryption sector size, or -errno with why set. */
static int make_room(const char *device, const struct spawn_jail *jail, struct fault *why)
{
	char *fsck[] = { "/sbin/e2fsck", "-f", "-p", (char *)device, NULL };
	char blocks[32], *resize[] = { "/sbin/resize2fs", (char *)device, blocks, NULL };
	struct fault ran = { "" };
	struct ext4_geometry g;
	uint64_t part_bytes, target;
	int r;

	r = spawn_logged(fsck, "e2fsck", jail, &ran);
	if (r < 0)
		log_warning("%s, continuing", ran.text);
	if ((r = ext4_plan_fsck_verdict(r, device, why)) < 0 || (r = geometry(device, &part_bytes, &g, why)) < 0)
		return r;
	if ((r = migrate_plan_target(part_bytes, g.blocks, g.block_size, &target, why)) < 0)
		return r;
	if (r == 1) {
		log_notice("shrinking the filesystem on %s from %" PRIu64 " to %" PRIu64 " blocks of %u bytes for the LUKS2 "
			   "header", device, g.blocks, target, g.block_size);
		snprintf(blocks, sizeof(blocks), "%" PRIu64, target);
		r = spawn_logged(resize, "resize2fs", jail, &ran);
		if (r != 0)
			return fault_set(why, ENOSPC, "resize2fs could not shrink the plaintext filesystem on %s by %llu MiB "
					 "for the LUKS2 header (exit status %d: not enough free space?): not migrated, not "
					 "mounted, left untouched", device, MIGRATE_REDUCE >> 20, r);
		if ((r = geometry(device, &part_bytes, &g, why)) < 0)
			return r;
		if (g.blocks > target)
			return fault_set(why, ENOSPC, "the filesystem on %s still has %" PRIu64 " blocks after resize2fs, "
					 "not %" PRIu64 ": not migrated, left untouched", device, g.blocks, target);
	}
	if ((r = migrate_plan_sector_size(g.block_size)) < 0)
		return fault_set(why, EINVAL, "no encryption sector size for a block size of %u", g.block_size);
	return r;
}

int data_migrate(struct boot_state *st, const struct data_facts *facts, enum data_action action,
		 const struct data_marker *marker, const struct spawn_jail *jail, struct fault *f)
{
	const char *device = st->plan->data_device;
	struct luks_migration m = { .device = device, .name = DATA_DM_NAME, .pcr_key = DATA_PCR_KEY,
				    .begin = action == DATA_MIGRATE };
	struct fault why = { "" }, ignored = { "" };
	uint8_t key[DATA_MARKER_KEY_SIZE];
	char hex[2 * DATA_MARKER_KEY_SIZE + 1];
	int r;

	if (action == DATA_MIGRATE) {
		log_notice("migrating the plaintext data partition %s to LUKS2 sealed by this TPM", device);
		if ((r = make_room(device, jail, &why)) < 0)
			return data_degrade(st, &why, f);
		m.sector_size = r;
	}
	if (facts->mark == DATA_MARK_MIGRATING) {
		memcpy(key, marker->key, sizeof(key));
		log_notice("going on with the migration the data marker records");
	} else if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		fault_set(&why, EIO, "unable to get random bytes: %s: not migrated", strerror(errno));
		return data_degrade(st, &why, f);
	} else if (data_mark(DATA_MARKER_MIGRATING, key, &ignored) < 0) {
		explicit_bzero(key, sizeof(key));
		fault_set(&why, EIO, "unable to write the TPM's data marker (%.200s): not migrated, not mounted",
			  ignored.text);
		return data_degrade(st, &why, f);
	}
	hex_encode(key, sizeof(key), hex);
	explicit_bzero(key, sizeof(key));
	m.key_hex = hex;
	log_notice("migrating the data partition %s: its temporary key is in the TPM's data marker", device);
	r = luks_apply_migrate(&m, &why);
	explicit_bzero(hex, sizeof(hex));
	if (r < 0) {
		(void)luks_apply_close(DATA_DM_NAME, &ignored);
		snprintf(ignored.text, sizeof(ignored.text), "the migration stopped (%.200s): the next boot goes on with it",
			 why.text);
		return data_degrade(st, &ignored, f);
	}
	if ((r = luks_apply_set_label(device, DATA_LUKS_LABEL, &why)) < 0) {
		(void)luks_apply_close(DATA_DM_NAME, &ignored);
		return data_degrade(st, &why, f);
	}
	if (data_mark(DATA_MARKER_SEALED, NULL, &why) < 0)
		log_warning("unable to write the TPM's data marker (sealed): %s, continuing", why.text);
	log_notice("the data partition %s is migrated: LUKS2, its key sealed by this TPM", device);
	return data_mount_inside(st, facts, action, "migrated", jail, f);
}
