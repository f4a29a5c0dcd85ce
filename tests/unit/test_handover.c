#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "supervise/handover.h"
#include "supervise/mountinfo_read.h"

static void sample(struct supervisor *sv)
{
	memset(sv, 0, sizeof(*sv));
	strcpy(sv->exec, "/usr/lib/demo/service-tree");
	sv->on_exit = EXIT_RESTART;
	sv->restart_limit = 2;
	sv->restart_window_s = 60;
	sv->shutdown_grace_ms = 5000;
	sv->on_failure = FAILURE_POWEROFF;
	strcpy(sv->health_check, "/usr/lib/demo/health");
	sv->health_timeout_s = 120;
	strcpy(sv->slot_partition, "/dev/vda5");
	sv->exec_program = PROGRAM_NONE;
	sv->exec_program.fd = 5;
	sv->health_program = PROGRAM_NONE;
	sv->health_program.fd = 6;
	sv->health_program.interp_fd = 7;
	strcpy(sv->health_program.interp, "/bin/sh");
}

/* What hardinit packs, the supervisor unpacks, field for field. */
Test(handover, round_trip)
{
	static uint8_t buf[HANDOVER_SIZE];
	struct supervisor sv, got;
	struct fault f = { "" };

	sample(&sv);
	handover_pack(&sv, buf);
	cr_assert_eq(handover_unpack(buf, sizeof(buf), &got, &f), 0, "%s", f.text);
	cr_assert_str_eq(got.exec, sv.exec);
	cr_assert_str_eq(got.health_check, sv.health_check);
	cr_assert_str_eq(got.slot_partition, "/dev/vda5");
	cr_assert_eq(got.on_exit, EXIT_RESTART);
	cr_assert_eq(got.on_failure, FAILURE_POWEROFF);
	cr_assert_eq(got.restart_limit, 2);
	cr_assert_eq(got.restart_window_s, 60);
	cr_assert_eq(got.shutdown_grace_ms, 5000);
	cr_assert_eq(got.health_timeout_s, 120);
	cr_assert_eq(got.exec_program.fd, 5);
	cr_assert_eq(got.exec_program.interp_fd, -1);
	cr_assert_eq(got.health_program.interp_fd, 7);
	cr_assert_str_eq(got.health_program.interp, "/bin/sh");
}

/* Anything but this build's hand-over, whole and sane, is refused. */
Test(handover, refused)
{
	static uint8_t buf[HANDOVER_SIZE], bad[HANDOVER_SIZE];
	struct supervisor sv, got;
	struct handover_header h;
	struct fault f = { "" };
	size_t body = sizeof(h);

	sample(&sv);
	handover_pack(&sv, buf);
	cr_assert_eq(handover_unpack(buf, sizeof(buf) - 1, &got, &f), -EINVAL, "short");
	/* The header: magic, version, size, reserved. */
	for (size_t field = 0; field < 4; field++) {
		memcpy(bad, buf, sizeof(bad));
		bad[field * 4] ^= 1;
		cr_assert_eq(handover_unpack(bad, sizeof(bad), &got, &f), -EINVAL, "header field %zu", field);
	}
	/* An unterminated path. */
	memcpy(bad, buf, sizeof(bad));
	memset(bad + body + offsetof(struct supervisor, exec), 'x', PATH_MAX);
	cr_assert_eq(handover_unpack(bad, sizeof(bad), &got, &f), -EINVAL);
	/* Settings out of range, and descriptors that do not match the paths. */
	struct supervisor variants[6];
	for (size_t i = 0; i < 6; i++)
		variants[i] = sv;
	variants[0].exec[0] = 'u';
	variants[1].on_exit = EXIT_ACTION_COUNT;
	variants[2].on_failure = FAILURE_ACTION_COUNT;
	variants[3].restart_limit = EXIT_HISTORY_MAX;
	variants[4].exec_program.fd = -1;
	variants[5].health_program.interp_fd = -1;
	for (size_t i = 0; i < 6; i++) {
		handover_pack(&variants[i], bad);
		cr_assert_eq(handover_unpack(bad, sizeof(bad), &got, &f), -EINVAL, "variant %zu", i);
	}
	/* No health check: no descriptor for it. */
	sv.health_check[0] = '\0';
	handover_pack(&sv, bad);
	cr_assert_eq(handover_unpack(bad, sizeof(bad), &got, &f), -EINVAL, "a health descriptor without a path");
	sv.health_program = PROGRAM_NONE;
	handover_pack(&sv, bad);
	cr_assert_eq(handover_unpack(bad, sizeof(bad), &got, &f), 0, "%s", f.text);
}

/* The fields a shutdown needs, with the kernel's octal escapes decoded. */
Test(mountinfo_read, fields_and_escapes)
{
	char line[] = "36 35 98:0 /mnt1 /a\\040b\\011c\\012d\\134e rw,noatime master:1 - ext3 /dev/root rw";
	char plain[] = "22 1 254:0 / / ro,nodev,relatime - erofs /dev/mapper/root ro";
	struct mountinfo_line m;

	cr_assert_eq(mountinfo_parse_line(line, &m), 0);
	cr_assert_eq(m.id, 36);
	cr_assert_eq(m.parent_id, 35);
	cr_assert_str_eq(m.target, "/a b\tc\nd\\e");
	cr_assert_eq(mountinfo_parse_line(plain, &m), 0);
	cr_assert_eq(m.id, 22);
	cr_assert_eq(m.parent_id, 1);
	cr_assert_str_eq(m.target, "/");
}

/* A line that is not the kernel's shape is refused, never half-read. */
Test(mountinfo_read, refused)
{
	static const char *const bad[] = {
		"",
		"36",
		"36 35",
		"36 35 98:0 /mnt1",
		"36 35 98:0 /mnt1 /mnt2",         /* nothing after the target */
		"36 35 98:0 /mnt1 /mnt2 ",        /* still nothing */
		"x 35 98:0 / /a rw - ext4 /dev/x rw",
		"36 -1 98:0 / /a rw - ext4 /dev/x rw",
		"99999999999 1 98:0 / /a rw - ext4 /dev/x rw",
		"36 35  98:0 / /a rw - ext4 /dev/x rw", /* two spaces: an empty field */
		"36 35 98:0 / a rw - ext4 /dev/x rw",   /* not absolute */
		"36 35 98:0 / /a\\04 rw - ext4 /dev/x rw",
		"36 35 98:0 / /a\\000b rw - ext4 /dev/x rw",
		"36 35 98:0 / /a\\400 rw - ext4 /dev/x rw",
		"36 35 98:0 / /a\\ rw - ext4 /dev/x rw",
	};
	struct mountinfo_line m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];
		strcpy(line, bad[i]);
		cr_assert_eq(mountinfo_parse_line(line, &m), -EINVAL, "accepted: \"%s\"", bad[i]);
	}
}
