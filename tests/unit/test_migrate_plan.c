#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "crypt/migrate_plan.h"
#include "mounts/ext4_plan.h"

TestSuite(migrate_plan, .timeout = 10);

#define MiB (1024ull * 1024)

/* The filesystem must end 32 MiB before the partition: shrunk when it does not. */
Test(migrate_plan, target)
{
	struct fault why = { "" };
	uint64_t t = 0;

	cr_assert_eq(migrate_plan_target(64 * MiB, 65536, 1024, &t, &why), 1);
	cr_assert_eq(t, 32768u, "64 MiB of 1 KiB blocks: 32 MiB left");
	cr_assert_eq(migrate_plan_target(64 * MiB, 32768, 1024, &t, &why), 0, "already shrunk (a restarted migration)");
	cr_assert_eq(t, 32768u);
	cr_assert_eq(migrate_plan_target(64 * MiB, 1000, 1024, &t, &why), 0);
	cr_assert_eq(migrate_plan_target(1024 * MiB, 262144, 4096, &t, &why), 1);
	cr_assert_eq(t, 253952u);
	cr_assert_eq(migrate_plan_target(1024 * MiB + 1000, 262144, 4096, &t, &why), 1);
	cr_assert_eq(t, 253952u, "rounded down to whole blocks");
	cr_assert_eq(migrate_plan_target(64 * MiB, 32769, 1024, &t, &why), 1, "one block too many");
	cr_assert_eq(migrate_plan_target(64 * MiB, 65536, 3000, &t, &why), -EINVAL);
	cr_assert_eq(migrate_plan_target(64 * MiB, 65536, 512, &t, &why), -EINVAL);
	cr_assert_eq(migrate_plan_target(64 * MiB, 65536, 131072, &t, &why), -EINVAL);
	cr_assert_eq(migrate_plan_target(40 * MiB, 1024, 1024, &t, &why), -ENOSPC, "no room for header and data");
	cr_assert(strstr(why.text, "smaller than"), "%s", why.text);
}

/* The encryption sector never exceeds the filesystem's block. */
Test(migrate_plan, sector_size)
{
	cr_assert_eq(migrate_plan_sector_size(1024), 1024);
	cr_assert_eq(migrate_plan_sector_size(2048), 2048);
	cr_assert_eq(migrate_plan_sector_size(4096), 4096);
	cr_assert_eq(migrate_plan_sector_size(65536), 4096);
	cr_assert_eq(migrate_plan_sector_size(512), 512);
	cr_assert_eq(migrate_plan_sector_size(256), -EINVAL);
	cr_assert_eq(migrate_plan_sector_size(3072), -EINVAL);
}

/* Where a cut migration goes on: every state a power cut can leave. */
Test(migrate_plan, steps)
{
	struct fault why = { "" };

	/* The header is written, the encryption under way (clean or in a hotzone). */
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_CLEAN, false, 0, false, &why), MIGRATE_STEP_REENCRYPT);
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_CRASH, false, 0, false, &why), MIGRATE_STEP_RECOVER);
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_INVALID, true, 0, false, &why), MIGRATE_STEP_REFUSE);
	cr_assert(strstr(why.text, "reencryption metadata"), "%s", why.text);
	/* Encrypted; cut before, during or after the enrolment, or after the drop. */
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_NONE, true, 0, false, &why), MIGRATE_STEP_ENROL);
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_NONE, true, 1, true, &why), MIGRATE_STEP_DROP_TEMP);
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_NONE, false, 1, true, &why), MIGRATE_STEP_DONE);
	/* What hardinit never leaves. */
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_NONE, false, 0, false, &why), MIGRATE_STEP_REFUSE);
	cr_assert(strstr(why.text, "no token"), "%s", why.text);
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_NONE, true, 1, false, &why), MIGRATE_STEP_REFUSE);
	cr_assert(strstr(why.text, "not the one hardinit enrols"), "%s", why.text);
	cr_assert_eq(migrate_plan_step(MIGRATE_REENCRYPT_NONE, true, 2, true, &why), MIGRATE_STEP_REFUSE);
	cr_assert(strstr(why.text, "2 tokens"), "%s", why.text);
	cr_assert_str_eq(migrate_step_name(MIGRATE_STEP_ENROL), "enrol");
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff, p[1] = (v >> 8) & 0xff, p[2] = (v >> 16) & 0xff, p[3] = v >> 24;
}

/* The superblock's size fields, and what is not a superblock. */
Test(migrate_plan, ext4_geometry)
{
	uint8_t sb[EXT4_SUPER_SIZE] = { 0 };
	struct ext4_geometry g;
	struct fault why = { "" };

	sb[0x38] = 0x53, sb[0x39] = 0xEF;
	put32(sb + 0x04, 65536);
	put32(sb + 0x18, 0);
	cr_assert_eq(ext4_plan_geometry(sb, sizeof(sb), &g, &why), 0, "%s", why.text);
	cr_assert_eq(g.block_size, 1024u);
	cr_assert_eq(g.blocks, 65536u);
	put32(sb + 0x18, 2);
	put32(sb + 0x150, 1);
	cr_assert_eq(ext4_plan_geometry(sb, sizeof(sb), &g, &why), 0);
	cr_assert_eq(g.block_size, 4096u);
	cr_assert_eq(g.blocks, 65536u, "the high half counts only with the 64bit feature");
	put32(sb + 0x60, 0x80);
	cr_assert_eq(ext4_plan_geometry(sb, sizeof(sb), &g, &why), 0);
	cr_assert_eq(g.blocks, (1ull << 32) + 65536);
	put32(sb + 0x18, 7);
	cr_assert_eq(ext4_plan_geometry(sb, sizeof(sb), &g, &why), -EBADMSG);
	put32(sb + 0x18, 2);
	cr_assert_eq(ext4_plan_geometry(sb, 512, &g, &why), -EBADMSG);
	put32(sb + 0x04, 0);
	put32(sb + 0x150, 0);
	cr_assert_eq(ext4_plan_geometry(sb, sizeof(sb), &g, &why), -EBADMSG);
	sb[0x38] = 0;
	cr_assert_eq(ext4_plan_geometry(sb, sizeof(sb), &g, &why), -EBADMSG);
	cr_assert(strstr(why.text, "no ext4 superblock"), "%s", why.text);
}
