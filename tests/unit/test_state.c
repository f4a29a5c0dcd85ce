#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "init/policy.h"
#include "init/record.h"
#include "mounts/ext4_plan.h"
#include "overlay/overlay_plan.h"

static struct policy p;
static struct state_plan plan;
static struct fault f;

static void setup(void)
{
	policy_set_defaults(&p);
	memset(&f, 0, sizeof(f));
}

TestSuite(state_plan, .init = setup);

/* The default policy: four overlays named after their directories; .eflow shown in /var. */
Test(state_plan, defaults)
{
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &plan, &f), 0, "%s", f.text);
	cr_assert_eq(plan.n_overlays, 4);
	cr_assert_str_eq(plan.overlays[0].target, "/etc");
	cr_assert_str_eq(plan.overlays[0].name, "etc");
	cr_assert_str_eq(plan.overlays[3].name, "var");
	cr_assert_eq(plan.n_binds, 0);
	cr_assert_str_eq(plan.eflow.target, "/var/.eflow");
	cr_assert_eq(plan.eflow.in_overlay, 3);
	cr_assert_str_eq(plan.eflow.relative, ".eflow");
}

/* A bind inside an overlay is placed in it, with its path relative to the overlay. */
Test(state_plan, bind_inside_overlay)
{
	cr_assert_eq(policy_parse_text("[mounts]\nbinds = /var/lib/containerd /opt/store\n", "t", &p, &f), 0, "%s", f.text);
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &plan, &f), 0, "%s", f.text);
	cr_assert_eq(plan.n_binds, 2);
	cr_assert_str_eq(plan.binds[0].name, "var-lib-containerd");
	cr_assert_eq(plan.binds[0].in_overlay, 3);
	cr_assert_str_eq(plan.binds[0].relative, "lib/containerd");
	cr_assert_eq(plan.binds[1].in_overlay, -1);
}

/* Overlays inside overlays, binds inside binds and a path both ways are refused. */
Test(state_plan, refused_layouts)
{
	cr_assert_eq(policy_parse_text("[mounts]\noverlays = /var /var/lib\n", "t", &p, &f), 0);
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, "overlay /var/lib is inside overlay /var"), "%s", f.text);

	setup();
	cr_assert_eq(policy_parse_text("[mounts]\nbinds = /srv /srv/a\n", "t", &p, &f), 0);
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &plan, &f), -EINVAL);

	setup();
	cr_assert_eq(policy_parse_text("[mounts]\nbinds = /etc\n", "t", &p, &f), 0);
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, "both an overlay and a bind"));
}

/* Reserved and malformed paths are refused by the policy parser. */
Test(state_plan, policy_paths)
{
	cr_assert_eq(policy_parse_text("[mounts]\noverlays = /proc\n", "t", &p, &f), -EINVAL);
	cr_assert(strstr(f.text, "hardinit mounts itself"));
	cr_assert_eq(policy_parse_text("[mounts]\noverlays = /etc /etc\n", "t", &p, &f), -EINVAL);
	cr_assert_eq(policy_parse_text("[mounts]\nbinds = /\n", "t", &p, &f), -EINVAL);
	cr_assert_eq(policy_parse_text("[mounts]\nbinds = /var/\n", "t", &p, &f), -EINVAL);
	cr_assert_eq(policy_parse_text("[mounts]\nformat_blank = maybe\n", "t", &p, &f), -EINVAL);
	cr_assert_eq(policy_parse_text("[mounts]\ndata_label = my data\n", "t", &p, &f), -EINVAL);
	cr_assert_eq(policy_parse_text("[mounts]\nformat_blank = no\ndata_label = state\n", "t", &p, &f), 0);
	cr_assert_not(p.format_blank);
	cr_assert_str_eq(p.data_label, "state");
}

/* The overlay options are the hardened set, never userxattr; too long is refused. */
Test(state_plan, overlay_options)
{
	char buf[256], small[40];

	cr_assert_eq(state_plan_overlay_options("/sysroot/etc", "/proc/self/fd/5", "/proc/self/fd/6", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "lowerdir=/sysroot/etc,upperdir=/proc/self/fd/5,workdir=/proc/self/fd/6,"
			      "index=off,metacopy=off,redirect_dir=nofollow,xino=off");
	cr_assert_null(strstr(buf, "userxattr"));
	cr_assert_eq(state_plan_overlay_options("/sysroot/etc", "/a", "/b", small, sizeof(small)), -ENAMETOOLONG);
}

/* An existing filesystem is never formatted; only ext4 is mounted; only blank is formatted. */
Test(ext4_plan, decisions)
{
	cr_assert_eq(ext4_plan_action("ext4", false, true), EXT4_CHECK_AND_MOUNT);
	cr_assert_eq(ext4_plan_action("ext4", true, true), EXT4_CHECK_AND_MOUNT);
	cr_assert_eq(ext4_plan_action(NULL, true, true), EXT4_FORMAT);
	cr_assert_eq(ext4_plan_action(NULL, true, false), EXT4_LEAVE_ALONE);
	cr_assert_eq(ext4_plan_action(NULL, false, true), EXT4_LEAVE_ALONE);   /* damaged superblock */
	cr_assert_eq(ext4_plan_action("xfs", false, true), EXT4_LEAVE_ALONE);
	cr_assert_eq(ext4_plan_action("vfat", true, true), EXT4_LEAVE_ALONE);
	cr_assert_eq(ext4_plan_action("ambiguous", false, true), EXT4_LEAVE_ALONE);
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;
	cr_assert(json_object_object_get_ex(o, key, &v), "no %s", key);
	return v;
}

/* Every e2fsck -p exit status: 0-3 mount (2 = "reboot advised", meant for a mounted
 * root; this partition was not mounted), anything with bit 4 or above, and a status
 * that says e2fsck did not run to the end, leaves the partition alone. */
Test(ext4_plan, fsck_verdict)
{
	static const int mount[] = { 0, 1, 2, 3 };
	static const int leave[] = { 4, 5, 6, 7, 8, 9, 12, 16, 32, 64, 128, 255, -ENOENT, -EINTR, -EIO };
	struct fault why = { "" };

	for (size_t i = 0; i < sizeof(mount) / sizeof(mount[0]); i++) {
		cr_assert_eq(ext4_plan_fsck_verdict(mount[i], "/dev/vda8", &why), 0, "status %d", mount[i]);
		cr_assert_str_empty(why.text);
	}
	for (int s = 4; s < 256; s++)
		cr_assert_lt(ext4_plan_fsck_verdict(s, "/dev/vda8", &why), 0, "status %d", s);
	for (size_t i = 0; i < sizeof(leave) / sizeof(leave[0]); i++) {
		why.text[0] = '\0';
		cr_assert_lt(ext4_plan_fsck_verdict(leave[i], "/dev/vda8", &why), 0, "status %d", leave[i]);
		cr_assert(strstr(why.text, "/dev/vda8") && strstr(why.text, "left untouched"), "%s", why.text);
	}
	cr_assert_eq(ext4_plan_fsck_verdict(4, "/dev/vda8", &why), -EUCLEAN);
	cr_assert_str_eq(why.text, "e2fsck -p could not repair /dev/vda8 (exit status 4): left untouched");
	cr_assert_eq(ext4_plan_fsck_verdict(12, "/dev/vda8", &why), -EIO);
	cr_assert_str_eq(why.text, "e2fsck failed on /dev/vda8 (exit status 12, operational error): left untouched");
	cr_assert_eq(ext4_plan_fsck_verdict(-ENOENT, "/dev/vda8", &why), -EIO);
	cr_assert_str_eq(why.text, "e2fsck could not check /dev/vda8 (No such file or directory): left untouched");
	cr_assert_eq(ext4_plan_fsck_verdict(32, "/dev/vda8", &why), -EIO);
	cr_assert(strstr(why.text, "cancelled"));
	cr_assert_eq(ext4_plan_fsck_verdict(128, "/dev/vda8", &why), -EIO);
	cr_assert(strstr(why.text, "shared library error"));
}

/* A record encodes to one line of JSON with every field, nulls where absent. */
Test(record, encodes_one_line)
{
	struct boot_record r = {
		.time = 1795574000, .slot = "b", .version = 7, .verity = "verified", .outcome = "failed",
		.failed_step = "verity", .reason = "a \"quoted\"\nreason", .data = "degraded",
		.data_reason = "no fs", .logs = "persistent", .overlays = "/etc,/var", .mount_audit = "not run",
		.firewall = "none", .loader = "hardinit-loader 0.1.0", .stub = "systemd-stub 252.39-1~deb12u2",
		.boot_image = "ad3ca612-7bb8-7b40-b826-54bc3060fde5", .tpm = "measured", .pcr_bank = "sha256",
		.pcr11_enter_initrd = "0fb7", .pcr15 = "2807", .pcr11_leave_initrd = "99df",
		.quarantined = 2, .init_ms = 812, .peak_rss_kib = 3100,
		.steps = { { "load-modules", 12 }, { "open-verity", 40 } }, .n_steps = 2,
	};
	char *line = record_encode(&r);
	json_object *o;

	cr_assert_not_null(line);
	cr_assert_null(strchr(line, '\n'));
	o = json_tokener_parse(line);
	cr_assert_not_null(o);
	cr_assert_str_eq(json_object_get_string(field(o, "slot")), "b");
	cr_assert_eq(json_object_get_int64(field(o, "version")), 7);
	cr_assert_str_eq(json_object_get_string(field(o, "outcome")), "failed");
	cr_assert_str_eq(json_object_get_string(field(o, "failed_step")), "verity");
	cr_assert_str_eq(json_object_get_string(field(o, "reason")), "a \"quoted\"\nreason");
	cr_assert_str_eq(json_object_get_string(field(o, "data")), "degraded");
	cr_assert_eq(json_object_get_int(field(o, "quarantined")), 2);
	cr_assert_eq(json_object_get_int64(field(o, "peak_rss_kib")), 3100);
	cr_assert_eq(json_object_array_length(field(o, "steps")), 2);
	cr_assert_str_eq(json_object_get_string(field(o, "loader")), "hardinit-loader 0.1.0");
	cr_assert_str_eq(json_object_get_string(field(o, "stub")), "systemd-stub 252.39-1~deb12u2");
	cr_assert_str_eq(json_object_get_string(field(o, "boot_image")), "ad3ca612-7bb8-7b40-b826-54bc3060fde5");
	cr_assert_str_eq(json_object_get_string(field(o, "tpm")), "measured");
	cr_assert_str_eq(json_object_get_string(field(o, "pcr_bank")), "sha256");
	cr_assert_str_eq(json_object_get_string(field(o, "pcr11_enter_initrd")), "0fb7");
	cr_assert_str_eq(json_object_get_string(field(o, "pcr15")), "2807");
	cr_assert_str_eq(json_object_get_string(field(o, "pcr11_leave_initrd")), "99df");
	json_object_put(o);
	free(line);

	r.failed_step = NULL;
	r.reason = NULL;
	r.loader = r.stub = r.boot_image = NULL;   /* a boot without UEFI */
	r.tpm = "none";                            /* nor a TPM */
	r.pcr_bank = r.pcr11_enter_initrd = r.pcr15 = r.pcr11_leave_initrd = NULL;
	line = record_encode(&r);
	o = json_tokener_parse(line);
	cr_assert_str_eq(json_object_get_string(field(o, "tpm")), "none");
	cr_assert(json_object_is_type(field(o, "pcr11_enter_initrd"), json_type_null));
	cr_assert(json_object_is_type(field(o, "pcr15"), json_type_null));
	cr_assert(json_object_is_type(field(o, "reason"), json_type_null));
	cr_assert(json_object_is_type(field(o, "loader"), json_type_null));
	cr_assert(json_object_is_type(field(o, "boot_image"), json_type_null));
	json_object_put(o);
	free(line);
}

static void count_line(const char *line, void *data)
{
	(void)line;
	(*(int *)data)++;
}

/* Readers skip a torn last line (a power cut during an append) and count it. */
Test(record, torn_last_line_tolerated)
{
	int good = 0;
	const char *text = "{\"slot\":\"a\"}\n{\"slot\":\"b\"}\n{\"slot\":\"a\",\"ver";

	cr_assert_eq(record_read_lines(text, count_line, &good), 1);
	cr_assert_eq(good, 2);
	good = 0;
	cr_assert_eq(record_read_lines("{\"a\":1}\n\n[1]\n", count_line, &good), 1);
	cr_assert_eq(good, 1);
}

/* fixtures/ext4-super-clean.bin: the superblock of a filesystem fresh from mke2fs -t ext4
 * (Debian's defaults: has_journal, 64bit, metadata_csum, flex_bg…, state clean, no
 * mount count limit, no check interval). */
static void clean_superblock(uint8_t sb[EXT4_SUPER_SIZE])
{
	FILE *in = fopen("fixtures/ext4-super-clean.bin", "rb");

	cr_assert(in, "fixtures/ext4-super-clean.bin: %s", strerror(errno));
	cr_assert_eq(fread(sb, 1, EXT4_SUPER_SIZE, in), (size_t)EXT4_SUPER_SIZE);
	fclose(in);
}

static void put16(uint8_t *at, uint16_t v)
{
	at[0] = v & 0xff, at[1] = v >> 8;
}

static void put32(uint8_t *at, uint32_t v)
{
	at[0] = v & 0xff, at[1] = (v >> 8) & 0xff, at[2] = (v >> 16) & 0xff, at[3] = v >> 24;
}

/* A clean superblock skips e2fsck -p; each condition e2fsck -p would check on (not
 * cleanly unmounted, errors, a journal to replay, orphans, an unknown feature, the mount
 * count, the check interval, no superblock) does not. */
Test(ext4_plan, clean)
{
	static const struct { unsigned off, size; uint32_t value; const char *why; } dirty[] = {
		{ 0x3A, 2, 0, "not cleanly unmounted" },                 /* s_state */
		{ 0x3A, 2, 3, "recorded errors" },                       /* valid | error */
		{ 0x3A, 2, 5, "recorded errors" },                       /* valid | orphans */
		{ 0x194, 4, 1, "recorded errors" },                      /* s_error_count */
		{ 0xE8, 4, 12, "orphan" },                               /* s_last_orphan */
		{ 0x38, 2, 0xEF54, "no ext4 superblock" },               /* magic */
	};
	uint8_t sb[EXT4_SUPER_SIZE], bad[EXT4_SUPER_SIZE];
	struct fault why = { "" };
	uint32_t incompat, ro_compat;

	clean_superblock(sb);
	cr_assert(ext4_plan_clean(sb, sizeof(sb), 1800000000, &why), "%s", why.text);
	cr_assert_not(ext4_plan_clean(sb, 512, 1800000000, &why));
	for (size_t i = 0; i < sizeof(dirty) / sizeof(dirty[0]); i++) {
		memcpy(bad, sb, sizeof(bad));
		if (dirty[i].size == 2)
			put16(bad + dirty[i].off, (uint16_t)dirty[i].value);
		else
			put32(bad + dirty[i].off, dirty[i].value);
		cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why), "case %zu", i);
		cr_assert(strstr(why.text, dirty[i].why), "case %zu: %s", i, why.text);
	}
	incompat = (uint32_t)sb[0x60] | (uint32_t)sb[0x61] << 8 | (uint32_t)sb[0x62] << 16 | (uint32_t)sb[0x63] << 24;
	ro_compat = (uint32_t)sb[0x64] | (uint32_t)sb[0x65] << 8 | (uint32_t)sb[0x66] << 16 | (uint32_t)sb[0x67] << 24;
	/* needs_recovery: the journal is replayed by e2fsck, as before. */
	memcpy(bad, sb, sizeof(bad));
	put32(bad + 0x60, incompat | 0x4);
	cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why));
	cr_assert(strstr(why.text, "journal"), "%s", why.text);
	/* Features this rule does not know: compression, an external journal, snapshots. */
	put32(bad + 0x60, incompat | 0x1);
	cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why));
	put32(bad + 0x60, incompat | 0x8);
	cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why));
	put32(bad + 0x60, incompat);
	put32(bad + 0x64, ro_compat | 0x80);
	cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why));
	put32(bad + 0x64, ro_compat | 0x10000);                        /* orphan_present */
	cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why));
	/* The mount count: due at s_max_mnt_count; -1 (and 0) mean never. */
	memcpy(bad, sb, sizeof(bad));
	put16(bad + 0x36, 20);
	put16(bad + 0x34, 19);
	cr_assert(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why), "%s", why.text);
	put16(bad + 0x34, 20);
	cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why));
	put16(bad + 0x36, 0xFFFF);
	cr_assert(ext4_plan_clean(bad, sizeof(bad), 1800000000, &why), "%s", why.text);
	/* The check interval: due once it has passed, or when the clock is behind. */
	memcpy(bad, sb, sizeof(bad));
	put32(bad + 0x40, 1700000000);
	put32(bad + 0x44, 86400);
	cr_assert(ext4_plan_clean(bad, sizeof(bad), 1700000000 + 86399, &why), "%s", why.text);
	cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1700000000 + 86400, &why));
	cr_assert_not(ext4_plan_clean(bad, sizeof(bad), 1600000000, &why));
}
