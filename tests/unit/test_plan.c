#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "golden.h"
#include "init/plan.h"

/* Each case: a policy and a command line, and the golden file its plan must match.
 * Strings inline: Criterion re-executes the binary, so pointers would not survive.
 * UPDATE_GOLDEN=1 rewrites the files (then review the diff). */
struct plan_case {
	char golden[64];
	char policy[160];
	char cmdline[160];
	char devices[160];   /* empty: no devices file */
	enum boot_mode mode; /* initramfs unless given */
};

#define DEVICES "/dev/vda5 partlabel=rootfs-a\n/dev/vda6 partlabel=rootfs-b\n/dev/vda7 partlabel=logs\n/dev/vda8 partlabel=data\n"

ParameterizedTestParameters(plan, golden)
{
	static struct plan_case cases[] = {
		{ "golden/default.plan", "", "console=ttyS0", "", BOOT_MODE_INITRAMFS },
		{ "golden/default-devices.plan", "", "", DEVICES, BOOT_MODE_INITRAMFS },
		{ "golden/slot-b.plan", "", "hardinit.slot=b", DEVICES, BOOT_MODE_INITRAMFS },
		{ "golden/roothash.plan", "",
		  "roothash=65fecd23807f4e8578c7721ba4bac3d463482fc74d894da5cb4c24c1df0e1cca", DEVICES, BOOT_MODE_INITRAMFS },
		{ "golden/verity-tighten.plan", "[verity]\nmode = optional\n", "hardinit.verity=required", "", BOOT_MODE_INITRAMFS },
		{ "golden/exec-refused.plan", "", "hardinit.exec=/bin/sh hardinit.verity=off", "", BOOT_MODE_INITRAMFS },
		{ "golden/exec-trusted.plan", "[boot]\ncmdline = trust\n", "hardinit.exec=/bin/svc", "", BOOT_MODE_INITRAMFS },
		{ "golden/binds.plan", "[mounts]\noverlays = /etc /var\nbinds = /var/lib/containerd /srv\nformat_blank = no\n",
		  "", DEVICES, BOOT_MODE_INITRAMFS },
		{ "golden/firewall-bad.plan", "[firewall]\ntcp_ports = 8080 x\n", "hardinit.ssh=vsock", "", BOOT_MODE_INITRAMFS },
		{ "golden/demo.plan",
		  "[boot]\non_failure = poweroff\n[verity]\non_corruption = eio\n[modules]\nload = virtio_net\n",
		  "hardinit.debug", DEVICES, BOOT_MODE_INITRAMFS },
		{ "golden/init-mode.plan", "[verity]\nmode = optional\n[mounts]\nroot_ro = remount\n", "", DEVICES,
		  BOOT_MODE_INIT },
		{ "golden/init-mode-required.plan", "", "", DEVICES, BOOT_MODE_INIT },
		{ "golden/supervise.plan",
		  "[boot]\npid1 = supervise\nexec = /usr/lib/demo/service-tree\non_exit = restart\nrestart_limit = 2\n"
		  "health_check = /usr/lib/demo/health\n", "", DEVICES, BOOT_MODE_INITRAMFS },
	};
	return cr_make_param_array(struct plan_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The plan for a policy and command line prints exactly as its golden file. */
ParameterizedTest(struct plan_case *c, plan, golden)
{
	struct policy p;
	struct cmdline words;
	struct boot_cmdline bc;
	struct boot_plan plan;
	struct device_list devices;
	struct fault f = { "" };
	char *out = NULL;
	size_t len = 0;
	FILE *mem;

	policy_set_defaults(&p);
	cr_assert_eq(policy_parse_text(c->policy, "t", &p, &f), 0, "%s", f.text);
	cr_assert_eq(cmdline_split(c->cmdline, &words, &f), 0);
	cr_assert_eq(policy_apply_cmdline(&p, &words, &bc, &f), 0, "%s", f.text);
	cr_assert_eq(plan_build(&p, &bc, c->mode, &plan, &f), 0, "%s", f.text);
	if (c->devices[0]) {
		cr_assert_eq(devices_parse_text(c->devices, &devices, &f), 0, "%s", f.text);
		cr_assert_eq(plan_resolve_devices(&plan, &devices, &f), 0, "%s", f.text);
	}
	mem = open_memstream(&out, &len);
	plan_print(&plan, mem);
	fclose(mem);
	golden_check(c->golden, out);
	free(out);
}

/* Every step is fatal but the boot record's: none may be skipped on error. */
Test(plan, steps_are_fatal_but_the_record)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;

	policy_set_defaults(&p);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, NULL), 0);
	for (size_t i = 0; i < plan.n_steps; i++)
		cr_assert_eq(plan.steps[i].fatal, plan.steps[i].kind != STEP_WRITE_RECORD,
			     "step %zu (%s)", i, plan.steps[i].name);
	cr_assert_eq(plan.steps[plan.n_steps - 1].kind, STEP_EXEC);
}

/* The longest plan (extra modules) leaves room in the step table. */
Test(plan, step_table_has_room)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;

	policy_set_defaults(&p);
	strcpy(p.extra_modules.names[0], "virtio_net");
	p.extra_modules.n = 1;
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, NULL), 0);
	cr_assert_lt(plan.n_steps + 2, BOOT_STEPS_MAX);
}

/* The audit, the record and exec come last, in that order, after switch root. */
Test(plan, state_steps_order)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;
	size_t at[STEP_KIND_COUNT] = { 0 };

	policy_set_defaults(&p);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, NULL), 0);
	for (size_t i = 0; i < plan.n_steps; i++)
		at[plan.steps[i].kind] = i;
	cr_assert_lt(at[STEP_MOUNT_LOGS], at[STEP_OPEN_VERITY]);
	cr_assert_lt(at[STEP_CHECK_EXEC], at[STEP_MOUNT_DATA]);
	cr_assert_lt(at[STEP_MOUNT_STATE], at[STEP_SWITCH_ROOT]);
	cr_assert_lt(at[STEP_MOVE_LOGS], at[STEP_SWITCH_ROOT]);
	cr_assert_lt(at[STEP_MOUNT_BASE], at[STEP_AUDIT_MOUNTS]);
	cr_assert_lt(at[STEP_AUDIT_MOUNTS], at[STEP_WRITE_RECORD]);
	cr_assert_lt(at[STEP_WRITE_RECORD], at[STEP_EXEC]);
}

/* Both slots with one label cannot make a plan. */
Test(plan, same_labels_refused)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;
	struct fault f;

	policy_set_defaults(&p);
	strcpy(p.label_b, p.label_a);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, &f), -EINVAL);
}

/* The slot's label must be on exactly one device; the other slot's on at most one. */
Test(plan, device_resolution)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;
	struct device_list d;
	struct fault f;

	policy_set_defaults(&p);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, &f), 0);

	/* auto: one slot is enough; none is not. */
	cr_assert_eq(devices_parse_text("/dev/vda6 partlabel=rootfs-b\n", &d, &f), 0);
	cr_assert_eq(plan_resolve_devices(&plan, &d, &f), 0);
	cr_assert_str_eq(plan.slot_device[0], "");
	cr_assert_str_eq(plan.slot_device[1], "/dev/vda6");
	cr_assert_eq(devices_parse_text("/dev/vda7 partlabel=logs\n", &d, &f), 0);
	cr_assert_eq(plan_resolve_devices(&plan, &d, &f), -ENOENT);
	cr_assert(strstr(f.text, "no partition is labelled rootfs-a or rootfs-b"), "%s", f.text);

	/* The bootloader chose a: a must be there. */
	p.slot = SLOT_A;
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, &f), 0);
	cr_assert_eq(devices_parse_text("/dev/vda6 partlabel=rootfs-b\n", &d, &f), 0);
	cr_assert_eq(plan_resolve_devices(&plan, &d, &f), -ENOENT);
	cr_assert(strstr(f.text, "no partition is labelled rootfs-a"));

	cr_assert_eq(devices_parse_text("/dev/vda5 partlabel=rootfs-a\n/dev/vdb1 partlabel=rootfs-a\n", &d, &f), 0);
	cr_assert_eq(plan_resolve_devices(&plan, &d, &f), -ENOTUNIQ);
	cr_assert(strstr(f.text, "rootfs-a is on both /dev/vda5 and /dev/vdb1"), "%s", f.text);

	cr_assert_eq(devices_parse_text("/dev/vda5 partlabel=rootfs-a\n/dev/vda6 partlabel=rootfs-b\n"
					"/dev/vdb6 partlabel=rootfs-b\n", &d, &f), 0);
	cr_assert_eq(plan_resolve_devices(&plan, &d, &f), -ENOTUNIQ);

	cr_assert_eq(devices_parse_text("# comment\n\n/dev/vda5 partlabel=rootfs-a\n", &d, &f), 0);
	cr_assert_eq(plan_resolve_devices(&plan, &d, &f), 0);
	cr_assert_str_eq(plan.root_device, "/dev/vda5");
}

/* A malformed devices file names the line. */
Test(plan, devices_file_errors)
{
	struct device_list d;
	struct fault f;

	cr_assert_eq(devices_parse_text("/dev/vda5 rootfs-a\n", &d, &f), -EINVAL);
	cr_assert(strstr(f.text, "line 1"));
	cr_assert_eq(devices_parse_text("/dev/vda5 partlabel=a extra\n", &d, &f), -EINVAL);
}

/* More devices than the list holds are refused, never truncated: a label on a 65th
 * partition would otherwise go unseen (and with it a label on two partitions). */
Test(plan, devices_over_limit_refused)
{
	static char text[(DEVICES_MAX + 1) * 40];
	struct device_list d;
	struct fault f;
	size_t len = 0;

	for (int i = 0; i < DEVICES_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "/dev/vdb%d partlabel=p%d\n", i + 1, i);
	cr_assert_eq(devices_parse_text(text, &d, &f), 0, "%s", f.text);
	cr_assert_eq(d.n, (size_t)DEVICES_MAX);
	cr_assert_eq(devices_check_room(&d, &f), -E2BIG);
	cr_assert(strstr(f.text, "more than 64 partitions"), "%s", f.text);

	snprintf(text + len, sizeof(text) - len, "/dev/vda5 partlabel=rootfs-a\n");
	cr_assert_eq(devices_parse_text(text, &d, &f), -E2BIG);
	cr_assert(strstr(f.text, "more than 64 partitions"), "%s", f.text);
	d.n = DEVICES_MAX - 1;
	cr_assert_eq(devices_check_room(&d, &f), 0);
}

/* Init= mode: no slot steps and no switch root; the root check comes before the data
 * and logs partitions are looked for; /logs ends up at /logs. */
Test(plan, init_mode_steps)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;
	size_t at[STEP_KIND_COUNT];

	policy_set_defaults(&p);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INIT, &plan, NULL), 0);
	for (size_t k = 0; k < STEP_KIND_COUNT; k++)
		at[k] = SIZE_MAX;
	for (size_t i = 0; i < plan.n_steps; i++)
		at[plan.steps[i].kind] = i;
	cr_assert_eq(at[STEP_CHOOSE_SLOT], SIZE_MAX);
	cr_assert_eq(at[STEP_OPEN_VERITY], SIZE_MAX);
	cr_assert_eq(at[STEP_MOUNT_ROOT], SIZE_MAX);
	cr_assert_eq(at[STEP_SWITCH_ROOT], SIZE_MAX);
	cr_assert_lt(at[STEP_CHECK_ROOT], at[STEP_FIND_PARTITIONS]);
	cr_assert_lt(at[STEP_CHECK_ROOT], at[STEP_MOUNT_DATA]);
	cr_assert_lt(at[STEP_LOAD_FIREWALL], at[STEP_EXEC]);
	for (size_t i = 0; i < plan.n_steps; i++)
		cr_assert_not(plan.steps[i].slot_bound, "step %s would mark a slot", plan.steps[i].name);
	cr_assert_str_eq(plan_root_dir(&plan), "/");
	cr_assert_str_eq(plan_logs_target(&plan), "/logs");
	cr_assert_str_eq(plan_slot_name(&plan), "none");
}

/* The mode follows the root filesystem's type: the kernel's rootfs (ramfs, or tmpfs)
 * is an initramfs; ext4, erofs or anything else was mounted by a distro initramfs. */
Test(plan, mode_from_fstype)
{
	cr_assert_eq(plan_mode_from_fstype(0x858458f6), BOOT_MODE_INITRAMFS); /* ramfs */
	cr_assert_eq(plan_mode_from_fstype(0x01021994), BOOT_MODE_INITRAMFS); /* tmpfs */
	cr_assert_eq(plan_mode_from_fstype(0xef53), BOOT_MODE_INIT);          /* ext4 */
	cr_assert_eq(plan_mode_from_fstype(0xe0f5e1e2), BOOT_MODE_INIT);      /* erofs */
}
