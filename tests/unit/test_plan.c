#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "golden.h"
#include "init/plan.h"
#include "verity/verity_plan.h"

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
		{ "golden/ssh-trusted.plan", "[firewall]\nssh_trusted = 192.0.2.0/24 2001:db8::/48\nssh_trusted_iface = eth1\n",
		  "", "", BOOT_MODE_INITRAMFS },
		{ "golden/firewall-bad.plan", "[firewall]\ntcp_ports = 8080 x\n", "hardinit.ssh=vsock", "", BOOT_MODE_INITRAMFS },
		{ "golden/demo.plan",
		  "[boot]\non_failure = poweroff\n[verity]\non_corruption = eio\n[modules]\nload = virtio_net\n",
		  "hardinit.debug", DEVICES, BOOT_MODE_INITRAMFS },
		{ "golden/data-tpm.plan", "[data]\nprotection = tpm\n", "", DEVICES, BOOT_MODE_INITRAMFS },
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
/* Only the boot record and the boot chain's names are not worth stopping a boot for. */
Test(plan, steps_are_fatal_but_the_record)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;

	policy_set_defaults(&p);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, NULL), 0);
	for (size_t i = 0; i < plan.n_steps; i++)
		cr_assert_eq(plan.steps[i].fatal, plan.steps[i].kind != STEP_WRITE_RECORD && plan.steps[i].kind != STEP_BOOT_CHAIN &&
			     plan.steps[i].kind != STEP_MEASURE_ENTER && plan.steps[i].kind != STEP_MEASURE_LEAVE,
			     "step %zu (%s)", i, plan.steps[i].name);
	cr_assert_eq(plan.steps[plan.n_steps - 1].kind, STEP_EXEC);
}

/* The index of the first step of kind in the plan, or -1. */
static int step_at(const struct boot_plan *plan, enum step_kind kind)
{
	for (size_t i = 0; i < plan->n_steps; i++)
		if (plan->steps[i].kind == kind)
			return (int)i;
	return -1;
}

/* Measured boot: "enter-initrd" once the root is verified (its identity is measured
 * with it) and before the data partition is touched; "leave-initrd" after the last step
 * that may need the TPM and before the service tree's root. In init= mode the boot
 * image is not hardinit's: no measure step. */
Test(plan, measure_steps_bracket_the_data)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;
	int enter, leave;

	policy_set_defaults(&p);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, NULL), 0);
	enter = step_at(&plan, STEP_MEASURE_ENTER);
	leave = step_at(&plan, STEP_MEASURE_LEAVE);
	cr_assert_gt(enter, step_at(&plan, STEP_CHECK_EXEC));
	cr_assert_lt(enter, step_at(&plan, STEP_MOUNT_DATA));
	cr_assert_lt(enter, step_at(&plan, STEP_MOUNT_STATE));
	cr_assert_gt(leave, step_at(&plan, STEP_MOUNT_STATE));
	cr_assert_gt(leave, step_at(&plan, STEP_LOCKDOWN));
	cr_assert_lt(leave, step_at(&plan, STEP_SWITCH_ROOT));
	cr_assert_lt(leave, step_at(&plan, STEP_EXEC));
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INIT, &plan, NULL), 0);
	cr_assert_eq(step_at(&plan, STEP_MEASURE_ENTER), -1);
	cr_assert_eq(step_at(&plan, STEP_MEASURE_LEAVE), -1);
}

/* Builds the plan for a policy text and a command line (initramfs or init= mode). */
static void build(const char *policy_text, const char *cmdline, enum boot_mode mode, struct boot_plan *plan)
{
	struct policy p;
	struct cmdline words;
	struct boot_cmdline bc;
	struct fault f = { "" };

	policy_set_defaults(&p);
	cr_assert_eq(policy_parse_text(policy_text, "t", &p, &f), 0, "%s", f.text);
	cr_assert_eq(cmdline_split(cmdline, &words, &f), 0);
	cr_assert_eq(policy_apply_cmdline(&p, &words, &bc, &f), 0, "%s", f.text);
	cr_assert_eq(plan_build(&p, &bc, mode, plan, &f), 0, "%s: %s", policy_text, f.text);
}

/* The plans with the most steps (every optional step, both modes) fit the step table:
 * plan_build fails with -E2BIG instead when they do not. */
Test(plan, longest_plans_fit)
{
	static const char *const policies[] = {
		"",
		"[boot]\npid1 = supervise\nhealth_check = /usr/lib/demo/health\n[modules]\nload = virtio_net vsock\n",
		"[firewall]\nssh = vsock\n[mounts]\nbinds = /srv /opt\n",
	};
	struct boot_plan plan;

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		for (int mode = BOOT_MODE_INITRAMFS; mode <= BOOT_MODE_INIT; mode++) {
			build(policies[i], "hardinit.ssh=vsock", (enum boot_mode)mode, &plan);
			cr_assert_leq(plan.n_steps, BOOT_STEPS_MAX);
		}
}

/* Every step of a plan has its own name, made of its kind's name: a FATAL line and a
 * boot record's failed_step say which step failed, as --print-plan names it. */
Test(plan, step_names_unique)
{
	static const char *const policies[] = { "", "[boot]\npid1 = supervise\n" };
	struct boot_plan plan;

	for (size_t k = 0; k < sizeof(policies) / sizeof(policies[0]); k++)
		for (int mode = BOOT_MODE_INITRAMFS; mode <= BOOT_MODE_INIT; mode++) {
			build(policies[k], "", (enum boot_mode)mode, &plan);
			for (size_t i = 0; i < plan.n_steps; i++) {
				const char *kind = step_kind_name(plan.steps[i].kind);
				cr_assert(strncmp(plan.steps[i].name, kind, strlen(kind)) == 0, "%s", plan.steps[i].name);
				for (size_t j = 0; j < i; j++)
					cr_assert_str_neq(plan.steps[i].name, plan.steps[j].name);
			}
		}
}

/* The audit, the record and exec come last, in that order, after switch root. */
Test(plan, state_steps_order)
{
	static const enum step_kind used[] = { STEP_MOUNT_LOGS, STEP_OPEN_VERITY, STEP_CHECK_EXEC, STEP_MOUNT_DATA,
					       STEP_MOUNT_STATE, STEP_SWITCH_ROOT, STEP_MOVE_LOGS, STEP_MOUNT_BASE,
					       STEP_AUDIT_MOUNTS, STEP_WRITE_RECORD, STEP_EXEC };
	struct boot_plan plan;
	size_t at[STEP_KIND_COUNT];

	for (size_t k = 0; k < STEP_KIND_COUNT; k++)
		at[k] = SIZE_MAX;
	build("", "", BOOT_MODE_INITRAMFS, &plan);
	for (size_t i = 0; i < plan.n_steps; i++)
		at[plan.steps[i].kind] = i;
	for (size_t k = 0; k < sizeof(used) / sizeof(used[0]); k++)
		cr_assert_neq(at[used[k]], SIZE_MAX, "no %s step", step_kind_name(used[k]));
	cr_assert_lt(at[STEP_MOUNT_LOGS], at[STEP_OPEN_VERITY]);
	cr_assert_lt(at[STEP_CHECK_EXEC], at[STEP_MOUNT_DATA]);
	cr_assert_lt(at[STEP_MOUNT_STATE], at[STEP_SWITCH_ROOT]);
	cr_assert_lt(at[STEP_MOVE_LOGS], at[STEP_SWITCH_ROOT]);
	cr_assert_lt(at[STEP_MOUNT_BASE], at[STEP_AUDIT_MOUNTS]);
	cr_assert_lt(at[STEP_AUDIT_MOUNTS], at[STEP_WRITE_RECORD]);
	cr_assert_lt(at[STEP_WRITE_RECORD], at[STEP_EXEC]);
}

/* The trusted keys are handed to hardinitctl before any state is mounted: in init=
 * mode they are read from the root's /etc, which the data partition overlays next. */
Test(plan, keys_handed_off_before_state)
{
	for (int mode = BOOT_MODE_INITRAMFS; mode <= BOOT_MODE_INIT; mode++) {
		struct boot_plan plan;
		size_t handoff = SIZE_MAX, data = SIZE_MAX;

		build("", "", (enum boot_mode)mode, &plan);
		for (size_t i = 0; i < plan.n_steps; i++) {
			if (plan.steps[i].kind == STEP_HANDOFF)
				handoff = i;
			if (plan.steps[i].kind == STEP_MOUNT_DATA)
				data = i;
		}
		cr_assert_neq(handoff, SIZE_MAX);
		cr_assert_neq(data, SIZE_MAX);
		cr_assert_lt(handoff, data, "mode %d", mode);
	}
}

/* True if some load-modules step of the plan loads module. */
static bool plan_loads(const struct boot_plan *plan, const char *module)
{
	for (size_t i = 0; i < plan->n_steps; i++)
		for (size_t m = 0; plan->steps[i].kind == STEP_LOAD_MODULES && m < plan->steps[i].modules.n; m++)
			if (strcmp(plan->steps[i].modules.names[m], module) == 0)
				return true;
	return false;
}

/* Management over vsock stays possible when the [firewall] section is broken (the
 * deny-all fallback loads): the vsock modules are loaded before modules are locked,
 * whether the command line or the broken section itself asks for vsock. */
Test(plan, vsock_survives_a_broken_firewall)
{
	struct boot_plan plan;

	build("[firewall]\ntcp_ports = 80 x\n", "hardinit.ssh=vsock", BOOT_MODE_INITRAMFS, &plan);
	cr_assert_not(plan.firewall_ok);
	cr_assert(plan_loads(&plan, "vmw_vsock_virtio_transport"));
	build("[firewall]\nssh = vsock\nforward = maybe\n", "", BOOT_MODE_INIT, &plan);
	cr_assert_not(plan.firewall_ok);
	cr_assert(plan_loads(&plan, "vsock"));
	build("[firewall]\nssh = tcp\nforward = maybe\n", "", BOOT_MODE_INITRAMFS, &plan);
	cr_assert_not(plan_loads(&plan, "vsock"));
}

/* The step of a plan with this kind (the first one). */
static const struct boot_step *step_of(const struct boot_plan *plan, enum step_kind kind)
{
	for (size_t i = 0; i < plan->n_steps; i++)
		if (plan->steps[i].kind == kind)
			return &plan->steps[i];
	cr_assert_fail("no %s step", step_kind_name(kind));
	return NULL;
}

/* Only an integrity or authenticity failure of the image, in a step that checks it, marks
 * a slot hardinit chose: out of memory, a missing module or device, an I/O error or no
 * trusted key in the initramfs would otherwise mark a, then b, and leave no bootable slot. */
Test(plan, failure_marks_slot_only_for_its_image)
{
	static const int marking[] = { -EBADMSG, -EKEYREJECTED };
	static const int sparing[] = { -ENOMEM, -ENOENT, -ENODEV, -EIO, -ENOKEY, -EPROTONOSUPPORT, -EPERM, -EINVAL,
				       -ETIMEDOUT, -EBUSY, -ENOEXEC, -ENODATA };
	static const enum step_kind checks[] = { STEP_OPEN_VERITY, STEP_CHECK_EXEC };
	static const enum step_kind others[] = { STEP_LOAD_MODULES, STEP_FIND_PARTITIONS, STEP_CHOOSE_SLOT, STEP_MOUNT_LOGS,
						 STEP_MOUNT_ROOT, STEP_MOUNT_DATA, STEP_MOUNT_STATE, STEP_LOAD_FIREWALL,
						 STEP_LOCKDOWN, STEP_SWITCH_ROOT, STEP_AUDIT_MOUNTS, STEP_SECCOMP, STEP_EXEC };
	struct boot_plan plan;

	build("", "", BOOT_MODE_INITRAMFS, &plan);
	for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]); k++) {
		const struct boot_step *s = step_of(&plan, checks[k]);
		for (size_t e = 0; e < sizeof(marking) / sizeof(marking[0]); e++) {
			cr_assert(plan_failure_marks_slot(s, true, marking[e]), "%s %d", s->name, marking[e]);
			cr_assert_not(plan_failure_marks_slot(s, false, marking[e]), "before the slot is chosen");
		}
		for (size_t e = 0; e < sizeof(sparing) / sizeof(sparing[0]); e++)
			cr_assert_not(plan_failure_marks_slot(s, true, sparing[e]), "%s %d", s->name, sparing[e]);
	}
	for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++)
		for (size_t e = 0; e < sizeof(marking) / sizeof(marking[0]); e++)
			cr_assert_not(plan_failure_marks_slot(step_of(&plan, others[k]), true, marking[e]),
				      "%s", step_kind_name(others[k]));
}

/* A slot the bootloader chose (hardinit.slot=a|b) follows the same rule: marked for an
 * integrity or authenticity failure of its image (the bootloader would otherwise retry
 * an image that can never boot), never for anything else. */
Test(plan, bootloader_slot_marked_only_for_its_image)
{
	struct boot_plan plan;

	build("", "hardinit.slot=b", BOOT_MODE_INITRAMFS, &plan);
	cr_assert(plan_failure_marks_slot(step_of(&plan, STEP_OPEN_VERITY), true, -EBADMSG));
	cr_assert(plan_failure_marks_slot(step_of(&plan, STEP_CHECK_EXEC), true, -EKEYREJECTED));
	cr_assert_not(plan_failure_marks_slot(step_of(&plan, STEP_OPEN_VERITY), true, -ENOMEM));
	cr_assert_not(plan_failure_marks_slot(step_of(&plan, STEP_CHECK_EXEC), true, -EIO));
}

/* The errors the trust decision returns are classified as they should be: a footer
 * signed by no trusted key or not signed at all condemns the slot; no trusted key in
 * the initramfs does not (it is the initramfs's fault, and would condemn both slots). */
Test(plan, trust_errors_classified)
{
	struct slot_footer footer = { .root_hash_size = 32 };
	struct fault sig = { "sig" }, f;
	enum root_trust t;

	cr_assert(verity_plan_error_condemns_slot(
		verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &sig, &footer, -EKEYREJECTED, &sig, &t, &f)));
	cr_assert(verity_plan_error_condemns_slot(
		verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &sig, &footer, -ENODATA, &sig, &t, &f)));
	cr_assert_not(verity_plan_error_condemns_slot(
		verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &sig, &footer, -ENOKEY, &sig, &t, &f)));
	cr_assert_not(verity_plan_error_condemns_slot(
		verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &sig, &footer, -ENOMEM, &sig, &t, &f)));
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

/* True if the module list names m. */
static bool module_list_has(const struct module_list *l, const char *m)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], m))
			return true;
	return false;
}

/* protection = tpm: dm-crypt's modules are loaded before mount-data, and measure-leave
 * becomes fatal (a PCR 11 left at its initramfs value would let the service tree unseal
 * the key); integrity adds dm-integrity and authenc, and needs protection = tpm. */
Test(plan, sealed_data_steps)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;
	struct fault f = { "" };
	int crypt;

	build("[data]\nprotection = tpm\nintegrity = hmac-sha256\n", "", BOOT_MODE_INITRAMFS, &plan);
	cr_assert(plan.steps[step_at(&plan, STEP_MEASURE_LEAVE)].fatal);
	crypt = step_at(&plan, STEP_MOUNT_DATA) - 1;
	cr_assert_str_eq(plan.steps[crypt].name, "load-modules:crypt");
	cr_assert_gt(crypt, step_at(&plan, STEP_MEASURE_ENTER));
	cr_assert(module_list_has(&plan.steps[crypt].modules, "dm-crypt"));
	cr_assert(module_list_has(&plan.steps[crypt].modules, "dm-integrity"));
	build("[data]\nprotection = tpm\n", "", BOOT_MODE_INITRAMFS, &plan);
	cr_assert_not(module_list_has(&plan.steps[step_at(&plan, STEP_MOUNT_DATA) - 1].modules, "dm-integrity"));
	build("", "", BOOT_MODE_INITRAMFS, &plan);
	cr_assert_not(plan.steps[step_at(&plan, STEP_MEASURE_LEAVE)].fatal);
	cr_assert_neq(strcmp(plan.steps[step_at(&plan, STEP_MOUNT_DATA) - 1].name, "load-modules:crypt"), 0);
	policy_set_defaults(&p);
	cr_assert_eq(policy_parse_text("[data]\nintegrity = hmac-sha256\n", "t", &p, &f), 0);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, "needs protection = tpm"), "%s", f.text);
	cr_assert_lt(policy_parse_text("[data]\nprotection = yes\n", "t", &p, &f), 0);
	cr_assert_lt(policy_parse_text("[data]\nintegrity = sha1\n", "t", &p, &f), 0);
}

/* [data] migrate: yes by default, no closes the migration of a plaintext ext4. */
Test(plan, data_migrate_key)
{
	struct policy p;
	struct boot_plan plan;
	struct fault f = { "" };

	policy_set_defaults(&p);
	cr_assert(p.data_migrate);
	build("[data]\nprotection = tpm\n", "", BOOT_MODE_INITRAMFS, &plan);
	cr_assert(plan.data_migrate);
	build("[data]\nprotection = tpm\nmigrate = no\n", "", BOOT_MODE_INITRAMFS, &plan);
	cr_assert_not(plan.data_migrate);
	cr_assert_lt(policy_parse_text("[data]\nmigrate = maybe\n", "t", &p, &f), 0);
	cr_assert(strstr(f.text, "expected yes | no"), "%s", f.text);
}

/* The supervisor's hand-over (memfd_create, execveat) and the tree's exec (execveat)
 * must not be denied by the policy's own seccomp list or sysctls: refused in the plan,
 * not at the end of a boot. */
Test(plan, handover_syscalls_not_denied)
{
	static const struct {
		const char *policy;
		int want;
	} cases[] = {
		{ "[boot]\npid1 = supervise\n[lockdown]\nseccomp_deny = bpf memfd_create\n", -EINVAL },
		{ "[lockdown]\nseccomp_deny = bpf memfd_create\n", 0 },
		{ "[lockdown]\nseccomp_deny = execveat\n", -EINVAL },
		{ "[boot]\npid1 = supervise\n[sysctl]\nvm.memfd_noexec = 2\n", -EINVAL },
		{ "[boot]\npid1 = supervise\n[sysctl]\nvm.memfd_noexec = 1\n", 0 },
		{ "[boot]\npid1 = supervise\n[lockdown]\nseccomp_deny = bpf perf_event_open\n", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct policy p;
		static struct boot_plan plan;
		struct boot_cmdline bc = { .debug = false };
		struct fault f = { "" };

		policy_set_defaults(&p);
		cr_assert_eq(policy_parse_text(cases[i].policy, "test", &p, &f), 0, "%s", f.text);
		cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, &f), cases[i].want, "case %zu: %s", i, f.text);
	}
}
