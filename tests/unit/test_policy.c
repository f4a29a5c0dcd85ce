#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "init/policy.h"

static struct policy p;
static struct fault f;

static void setup(void)
{
	policy_set_defaults(&p);
	memset(&f, 0, sizeof(f));
}

TestSuite(policy, .init = setup, .timeout = 10);

/* The defaults are the secure ones the docs list. */
Test(policy, defaults)
{
	cr_assert_str_eq(p.exec, "/sbin/init");
	cr_assert_eq(p.on_failure, FAILURE_REBOOT);
	cr_assert_eq(p.verity, VERITY_REQUIRED);
	cr_assert_eq(p.on_corruption, CORRUPTION_RESTART);
	cr_assert_eq(p.cmdline, CMDLINE_TIGHTEN);
	cr_assert_eq(p.slot, SLOT_AUTO);
	cr_assert_str_eq(p.label_a, "rootfs-a");
	cr_assert_str_eq(p.keys_dir, "/etc/hardinit/keys");
	cr_assert_eq(p.device_timeout_ms, 10000);
	cr_assert_eq(p.pid1, PID1_EXEC);
	cr_assert_eq(p.on_exit, EXIT_REBOOT);
	cr_assert_eq(p.restart_limit, 5);
	cr_assert_eq(p.shutdown_grace_ms, 5000);
	cr_assert_str_eq(p.health_check, "");
	cr_assert_eq(p.root_ro, ROOT_RO_REQUIRE);
}

/* The supervise and init= mode keys are read. */
Test(policy, supervise_keys)
{
	const char *text =
		"[boot]\npid1 = supervise\non_exit = restart\nrestart_limit = 3\nrestart_window_s = 30\n"
		"shutdown_grace_ms = 0\nhealth_check = /usr/bin/healthy\nhealth_timeout_s = 60\n"
		"[mounts]\nroot_ro = remount\n";

	cr_assert_eq(policy_parse_text(text, "t", &p, &f), 0, "%s", f.text);
	cr_assert_eq(p.pid1, PID1_SUPERVISE);
	cr_assert_eq(p.on_exit, EXIT_RESTART);
	cr_assert_eq(p.restart_limit, 3);
	cr_assert_eq(p.restart_window_s, 30);
	cr_assert_eq(p.shutdown_grace_ms, 0);
	cr_assert_str_eq(p.health_check, "/usr/bin/healthy");
	cr_assert_eq(p.health_timeout_s, 60);
	cr_assert_eq(p.root_ro, ROOT_RO_REMOUNT);
}

/* Every key is read. */
Test(policy, every_key)
{
	const char *text =
		"[boot]\nexec = /usr/bin/svc\non_failure = poweroff\ndevice_timeout_ms = 250\ncmdline = trust\n"
		"[slots]\ndefault = b\nlabel_a = sys-a\nlabel_b = sys-b\nboot_tries = 5\nmin_version = 7\n"
		"[verity]\nmode = optional ; comment\non_corruption = eio\nkeys = /etc/k\n"
		"[modules]\nstorage = nvme\nload = virtio_net e1000\n";

	cr_assert_eq(policy_parse_text(text, "t", &p, &f), 0, "%s", f.text);
	cr_assert_str_eq(p.exec, "/usr/bin/svc");
	cr_assert_eq(p.on_failure, FAILURE_POWEROFF);
	cr_assert_eq(p.device_timeout_ms, 250);
	cr_assert_eq(p.cmdline, CMDLINE_TRUST);
	cr_assert_eq(p.slot, SLOT_B);
	cr_assert_str_eq(p.label_a, "sys-a");
	cr_assert_str_eq(p.label_b, "sys-b");
	cr_assert_eq(p.boot_tries, 5);
	cr_assert_eq(p.min_version, 7);
	cr_assert_eq(p.verity, VERITY_OPTIONAL);
	cr_assert_eq(p.on_corruption, CORRUPTION_EIO);
	cr_assert_str_eq(p.keys_dir, "/etc/k");
	cr_assert_eq(p.storage_modules.n, 1);
	cr_assert_str_eq(p.storage_modules.names[0], "nvme");
	cr_assert_eq(p.extra_modules.n, 2);
	cr_assert_str_eq(p.extra_modules.names[1], "e1000");
}

/* Strings inline: Criterion re-executes the binary, so pointers would not survive. */
struct bad_case {
	char text[128];
	char error[96];   /* expected in the message: line, section and key */
};

ParameterizedTestParameters(policy, bad_values)
{
	static struct bad_case cases[] = {
		{ "[boot]\nexec = sbin/init\n", "t:2: [boot] exec" },
		{ "[boot]\nexec = /sbin/../bin/sh\n", "t:2: [boot] exec" },
		{ "\n[boot]\non_failure = explode\n", "t:3: [boot] on_failure: expected reboot | poweroff | halt" },
		{ "[boot]\ndevice_timeout_ms = 0\n", "t:2: [boot] device_timeout_ms" },
		{ "[boot]\ndevice_timeout_ms = 10s\n", "t:2: [boot] device_timeout_ms" },
		{ "[boot]\ndevice_timeout_ms = -1\n", "t:2: [boot] device_timeout_ms" },
		{ "[boot]\ncmdline = maybe\n", "t:2: [boot] cmdline" },
		{ "[boot]\npid1 = stay\n", "t:2: [boot] pid1" },
		{ "[boot]\non_exit = shell\n", "t:2: [boot] on_exit" },
		{ "[boot]\nrestart_limit = 0\n", "t:2: [boot] restart_limit" },
		{ "[boot]\nrestart_window_s = 3601\n", "t:2: [boot] restart_window_s" },
		{ "[boot]\nshutdown_grace_ms = 5s\n", "t:2: [boot] shutdown_grace_ms" },
		{ "[boot]\nhealth_check = health\n", "t:2: [boot] health_check" },
		{ "[boot]\nhealth_timeout_s = 0\n", "t:2: [boot] health_timeout_s" },
		{ "[mounts]\nroot_ro = maybe\n", "t:2: [mounts] root_ro" },
		{ "[slots]\ndefault = c\n", "t:2: [slots] default" },
		{ "[slots]\nlabel_a = has space\n", "t:2: [slots] label_a" },
		{ "[slots]\nlabel_b = 0123456789012345678901234567890123456\n", "t:2: [slots] label_b" },
		{ "[verity]\nmode = sometimes\n", "t:2: [verity] mode" },
		{ "[verity]\non_corruption = ignore\n", "t:2: [verity] on_corruption" },
		{ "[modules]\nload = ../evil\n", "t:2: [modules] load" },
		{ "[boot]\nshell = yes\n", "t:2: [boot] shell: unknown key" },
		{ "[nosuch]\nexec = /x\n", "t:2: [nosuch] exec: unknown key" },
		{ "[boot]\nthis is not ini\n", "t:2: syntax error" },
		{ "[slots]\nboot_tries = 0\n", "t:2: [slots] boot_tries: expected 1..15" },
		{ "[slots]\nboot_tries = 16\n", "t:2: [slots] boot_tries" },
		{ "[slots]\nmin_version = -3\n", "t:2: [slots] min_version" },
	};
	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* A bad value is rejected with the line, section and key in the message. */
ParameterizedTest(struct bad_case *c, policy, bad_values, .init = setup)
{
	cr_assert_eq(policy_parse_text(c->text, "t", &p, &f), -EINVAL);
	cr_assert(strstr(f.text, c->error), "got '%s', want '%s'", f.text, c->error);
}

/* A missing policy file is -ENOENT, so the caller can fall back to the defaults. */
Test(policy, missing_file)
{
	cr_assert_eq(policy_parse_file("/nonexistent/policy.conf", &p, &f), -ENOENT);
}

static int apply(const char *text, struct boot_cmdline *bc)
{
	static struct cmdline c;
	cr_assert_eq(cmdline_split(text, &c, NULL), 0);
	return policy_apply_cmdline(&p, &c, bc, &f);
}

/* hardinit.slot is the bootloader's choice; roothash= pins the root. */
Test(policy, cmdline_slot_and_roothash)
{
	struct boot_cmdline bc;
	const char *hash = "AB00000000000000000000000000000000000000000000000000000000000001";
	char text[200];

	snprintf(text, sizeof(text), "hardinit.slot=b roothash=%s hardinit.debug", hash);
	cr_assert_eq(apply(text, &bc), 0, "%s", f.text);
	cr_assert_eq(p.slot, SLOT_B);
	cr_assert(bc.has_root_hash);
	cr_assert_eq(bc.root_hash_size, 32);
	cr_assert_eq(bc.root_hash[0], 0xab);
	cr_assert_eq(bc.root_hash[31], 0x01);
	cr_assert(bc.debug);
}

/* The cmdline may tighten verity, not loosen it, nor replace exec. */
Test(policy, cmdline_only_tightens)
{
	struct boot_cmdline bc;

	p.verity = VERITY_OPTIONAL;
	cr_assert_eq(apply("hardinit.verity=required", &bc), 0);
	cr_assert_eq(p.verity, VERITY_REQUIRED);
	cr_assert_eq(apply("hardinit.verity=off hardinit.exec=/bin/sh", &bc), 0);
	cr_assert_eq(p.verity, VERITY_REQUIRED);
	cr_assert_str_eq(p.exec, "/sbin/init");
	cr_assert_eq(bc.n_ignored, 2);
	cr_assert_str_eq(bc.ignored[0], "hardinit.verity=off");
	cr_assert_str_eq(bc.ignored[1], "hardinit.exec=/bin/sh");
}

/* With `cmdline = trust` the cmdline may loosen. */
Test(policy, cmdline_trusted_may_loosen)
{
	struct boot_cmdline bc;

	p.cmdline = CMDLINE_TRUST;
	cr_assert_eq(apply("hardinit.verity=optional hardinit.exec=/bin/svc", &bc), 0);
	cr_assert_eq(p.verity, VERITY_OPTIONAL);
	cr_assert_str_eq(p.exec, "/bin/svc");
	cr_assert_eq(bc.n_ignored, 0);
}

/* The same key twice with the same value is fine; with different values it is refused. */
Test(policy, cmdline_duplicates)
{
	struct boot_cmdline bc;

	cr_assert_eq(apply("hardinit.slot=a hardinit.slot=a", &bc), 0);
	cr_assert_eq(apply("hardinit.slot=a hardinit.slot=b", &bc), -EINVAL);
	cr_assert(strstr(f.text, "hardinit.slot is given twice"));
	cr_assert_eq(apply("roothash=00 roothash=01", &bc), -EINVAL);
}

/* Unknown hardinit.* keys are reported, other words are not hardinit's business. */
Test(policy, cmdline_unknown_keys)
{
	struct boot_cmdline bc;

	cr_assert_eq(apply("quiet hardinit.shell=1 hardinit.foo init=/bin/sh", &bc), 0);
	cr_assert_eq(bc.n_unknown, 2);
	cr_assert_str_eq(bc.unknown[0], "hardinit.shell");
	cr_assert_str_eq(bc.unknown[1], "hardinit.foo");
}

/* Malformed values are refused with the key named. */
Test(policy, cmdline_bad_values)
{
	struct boot_cmdline bc;

	cr_assert_eq(apply("hardinit.slot=c", &bc), -EINVAL);
	cr_assert(strstr(f.text, "hardinit.slot"));
	cr_assert_eq(apply("roothash=xyz", &bc), -EINVAL);
	cr_assert(strstr(f.text, "roothash"));
	cr_assert_eq(apply("roothash=abcd", &bc), -EINVAL);
	cr_assert_eq(apply("hardinit.verity=strict", &bc), -EINVAL);
	cr_assert_eq(apply("hardinit.exec=bin/sh", &bc), -EINVAL);
}
