/* The step executor: what each kind of plan step does on a real machine. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "init/boot.h"
#include "init/program_apply.h"
#include "firewall/firewall_apply.h"
#include "init/modules_ahead.h"
#include "init/modules_apply.h"
#include "lockdown/lockdown_apply.h"
#include "slots/slot_apply.h"
#include "mounts/ext4_apply.h"
#include "mounts/mounts_apply.h"
#include "mounts/mounts_audit.h"
#include "overlay/overlay_apply.h"
#include "sandbox/sandbox_apply.h"
#include "supervise/handover_apply.h"
#include "supervise/supervise_apply.h"
#include "verity/footer_sig.h"
#include "verity/verity_apply.h"
#include "verity/verity_open.h"
#include "verity/verity_plan.h"

static int apply_load_modules(const struct boot_step *step, struct boot_state *st, struct fault *f)
{
	int r;

	if (!st->kmod) {
		if ((r = modules_open(&st->kmod, f)) < 0)
			return r;
		modules_ahead_start(&st->ahead, st->plan, st->kmod);
	}
	if (!modules_ahead_claim(&st->ahead, (size_t)(step - st->plan->steps))) {
		log_info("%s: loaded ahead, on another CPU", step->name);
		return 0;
	}
	for (size_t i = 0; i < step->modules.n; i++)
		if ((r = modules_load(st->kmod, step->modules.names[i], f)) < 0)
			return r;
	return 0;
}

/* Polls the block devices until the slot partitions the plan needs show up (the
 * bootloader's slot, or for auto either one), or the plan's timeout passes. A label on
 * two partitions fails at once. A disk whose partitions the kernel could not read
 * (a torn primary GPT header) is repaired from the backup header, once. */
static int apply_find_partitions(struct boot_state *st, struct fault *f)
{
	static struct device_list devices;
	unsigned deadline = boot_elapsed_ms(st) + st->plan->device_timeout_ms;
	int r;

	for (;;) {
		if ((r = devices_scan(&devices, f)) < 0)
			return r;
		r = plan_resolve_devices(st->plan, &devices, f);
		if (r != -ENOENT || boot_elapsed_ms(st) >= deadline)
			break;
		if (slot_apply_repair_gpt(st->plan->label[0], st->plan->label[1]) > 0)
			continue;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	if (r == -ENOENT) {
		struct fault why = *f;
		return fault_set(f, ENOENT, "%s after waiting %ums", why.text, st->plan->device_timeout_ms);
	}
	return r;
}

/* Chooses the slot from the GPT attributes (auto) and persists the boot count before
 * the slot is used, or takes the bootloader's choice as it is. */
static int apply_choose_slot(struct boot_state *st, struct fault *f)
{
	struct boot_plan *plan = st->plan;
	struct slot_attrs cur[2] = { { 0, 0, false }, { 0, 0, false } };
	bool present[2];
	struct slot_decision d;
	int r;

	if (plan->slot != '?') {
		st->slot_chosen = true;
		log_info("slot %c is %s (%s)", plan->slot, plan->root_device, plan->slot_reason);
		return 0;
	}
	for (int s = 0; s < 2; s++) {
		uint64_t attrs = 0;
		present[s] = plan->slot_device[s][0] != '\0';
		if (present[s] && (r = slot_apply_read(plan->slot_device[s], &attrs, f)) < 0)
			return r;
		slot_attrs_decode(attrs, &cur[s]);
	}
	if ((r = slot_choose(cur, present, SLOT_AUTO, plan->boot_tries, &d, f)) < 0)
		return r;
	plan_set_slot(plan, d.slot, d.why);
	log_info("slot %c is %s: %s (%s; a: %s, b: %s)", plan->slot, plan->root_device, slot_describe(&d.after), d.why,
		 present[0] ? slot_describe(&cur[0]) : "none", present[1] ? slot_describe(&cur[1]) : "none");
	if (d.persist && (r = slot_apply_write(plan->root_device, &d.after, f)) < 0)
		return r;
	st->slot_chosen = true;
	return 0;
}

/* Copies the *.pem files of dir (the initramfs's trusted keys) to dest.
 * Returns 0 or -errno. */
static int copy_keys(const char *dir, const char *dest, struct fault *f)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : fault_set(f, errno, "unable to open %s: %s", dir, strerror(errno));
	while (r == 0 && (e = readdir(d))) {
		char pem[8192], path[PATH_MAX];
		size_t len = strlen(e->d_name);
		ssize_t n;
		int in, out;

		if (len < 5 || strcmp(e->d_name + len - 4, ".pem") != 0)
			continue;
		if ((in = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			continue;
		n = read(in, pem, sizeof(pem));
		close(in);
		snprintf(path, sizeof(path), "%s/%s", dest, e->d_name);
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (n < 0 || out < 0 || write(out, pem, (size_t)n) != n)
			r = fault_set(f, EIO, "unable to copy the key %s to %s", e->d_name, dest);
		if (out >= 0)
			close(out);
	}
	closedir(d);
	return r;
}

/* Leaves for hardinitctl, in /run (which survives switch root), what it cannot read
 * elsewhere: the booted slot and both slots' partitions, the policy's slot settings,
 * and the trusted keys (the initramfs is gone after switch root). */
static int apply_handoff(struct boot_state *st, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	FILE *out;
	int r;

	if (mkdir("/run/hardinit/keys", 0755) < 0 && errno != EEXIST)
		return fault_set(f, errno, "unable to create /run/hardinit/keys: %s", strerror(errno));
	if ((r = copy_keys(plan->keys_dir, "/run/hardinit/keys", f)) < 0)
		return r;
	if (!(out = fopen("/run/hardinit/state", "we")))
		return fault_set(f, errno, "unable to write /run/hardinit/state: %s", strerror(errno));
	/* chooser: a bootloader named the slot (hardinit.slot=a|b: in the firmware chain its
	 * boot image pins the root, so hardinitctl update then needs a bundle with a boot
	 * image), or hardinit chose it from the GPT bits. */
	fprintf(out, "slot=%c\npartition_a=%s\npartition_b=%s\nlabel_a=%s\nlabel_b=%s\nversion=%llu\n"
		     "boot_tries=%u\nmin_version=%llu\nchooser=%s\n", plan->slot, plan->slot_device[0], plan->slot_device[1],
		plan->label[0], plan->label[1], (unsigned long long)st->footer.version, plan->boot_tries, plan->min_version,
		plan->slot_choice == SLOT_AUTO ? "initramfs" : "loader");
	return fclose(out) == 0 ? 0 : fault_set(f, EIO, "unable to write /run/hardinit/state");
}

/* Reads the footer, decides which root hash to trust, checks it against the top of
 * the hash tree and activates dm-verity. */
static int apply_open_verity(struct boot_state *st, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct footer_keys keys = { .n = 0 };
	struct fault keys_fault = { "" };
	struct verity_open_request req = {
		.device = plan->root_device,
		.slot = plan->slot,
		.mode = plan->verity,
		.pinned = plan->root_hash_pinned ? plan->root_hash : NULL,
		.pinned_size = plan->root_hash_size,
		.keys = &keys,
		.keys_fault = &keys_fault,
		.min_version = plan->min_version,
		.on_corruption = plan->on_corruption,
		.dm_name = VERITY_DM_NAME,
	};
	int r;

	if (!plan->root_hash_pinned)
		req.keys_result = footer_keys_load(plan->keys_dir, &keys, &keys_fault);
	r = verity_open_slot(&req, &st->footer, &st->trust, f);
	footer_keys_free(&keys);
	return r;
}

static int apply_mount_root(struct boot_state *st, struct fault *f)
{
	int r;

	if ((r = modules_load(st->kmod, st->footer.fstype, f)) < 0)
		return r;
	if (mkdir(SYSROOT, 0755) < 0 && errno != EEXIST)
		return fault_set(f, errno, "unable to create %s: %s", SYSROOT, strerror(errno));
	if (mount("/dev/mapper/" VERITY_DM_NAME, SYSROOT, st->footer.fstype, MS_RDONLY | MS_NODEV, NULL) < 0)
		return fault_set(f, errno, "unable to mount /dev/mapper/%s (%s) on %s: %s", VERITY_DM_NAME,
				 st->footer.fstype, SYSROOT, strerror(errno));
	return 0;
}

/* Opens and checks the exec target and the health check on the root at root_dir
 * (program_apply_verify), then, when the root is dm-verity device dm_name (NULL: it is
 * not), asks the kernel whether it is still verified after they were read: dm-verity
 * corruption (-EBADMSG) takes precedence over the read error it caused.
 * Returns 0, VERITY_ERR_INTEGRITY, VERITY_ERR_REFUSED or -errno. */
static int verify_programs(struct boot_state *st, const char *root_dir, const char *dm_name, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct fault status = { "" };
	bool verified = true;
	int r, s;

	r = program_apply_verify(root_dir, plan->exec, &plan->state, &st->exec, f);
	if (r == 0 && plan->supervisor.health_check[0])
		r = program_apply_verify(root_dir, plan->supervisor.health_check, &plan->state, &st->health, f);
	if (!dm_name || r == -VERITY_ERR_REFUSED)
		return r;
	if ((s = verity_apply_status(dm_name, &verified, &status)) < 0)
		return r < 0 ? r : fault_set(f, s, "%s", status.text);
	if (!verified) {
		struct fault read_error = *f; /* f is rewritten below */
		return fault_set(f, VERITY_ERR_INTEGRITY, "dm-verity reports corruption on the root%s%s%s",
				 r < 0 ? " (" : "", r < 0 ? read_error.text : "", r < 0 ? ")" : "");
	}
	return r;
}

static int apply_check_exec(struct boot_state *st, struct fault *f)
{
	int r = verify_programs(st, SYSROOT, VERITY_DM_NAME, f);

	if (r < 0)
		return r;
	st->verity_state = st->trust == ROOT_TRUST_UNSIGNED ? "unsigned" : "verified";
	return 0;
}

/* Init= mode: / must be read-only (remounted so if the policy says), and dm-verity
 * in verified state when verity is required. */
static int apply_check_root(struct boot_state *st, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	char dm_name[128] = "";
	bool is_verity = false;
	struct statvfs sv;
	int r;

	if (statvfs("/", &sv) < 0)
		return fault_set(f, errno, "unable to stat /: %s", strerror(errno));
	if (!(sv.f_flag & ST_RDONLY)) {
		if (plan->root_ro != ROOT_RO_REMOUNT)
			return fault_set(f, EROFS, "/ is mounted read-write (the policy requires it read-only)");
		if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
			return fault_set(f, errno, "unable to remount / read-only: %s", strerror(errno));
		log_info("/ remounted read-only");
	}
	if ((r = verity_apply_find_root(dm_name, sizeof(dm_name), &is_verity, f)) < 0)
		return r;
	/* A dm-verity root that is not verified after the read has already failed here. */
	if ((r = verify_programs(st, "/", is_verity ? dm_name : NULL, f)) < 0)
		return r;
	if ((r = verity_plan_check_root(plan->verity, is_verity, is_verity, &st->verity_state, f)) < 0)
		return r;
	if (!is_verity)
		log_warning("/ is not a dm-verity device (verity = %s), continuing", verity_mode_name(plan->verity));
	return 0;
}

/* The sandbox e2fsck and mke2fs run in (docs/state.md), prepared once. Should that
 * fail, the jail refuses to start them: the partitions are then left alone. */
static const struct spawn_jail *tools_jail(void)
{
	static const char *const files[] = { "/etc/mke2fs.conf", NULL };
	static struct sandbox sb;
	static bool prepared;
	struct fault f = { "" };

	if (!prepared) {
		prepared = true;
		if (sandbox_apply_prepare(&sb, files, &f) < 0)
			log_warning("unable to prepare the sandbox for e2fsck and mke2fs: %s, continuing", f.text);
	}
	return &sb.jail;
}

/* Mounts the logs partition at LOGS_EARLY (moved to /logs before switch root), so that
 * a boot that fails later still leaves its record. */
static int apply_mount_logs(struct boot_state *st, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct fault why = { "" };
	int r;

	if (mkdir("/run/hardinit", 0700) < 0 && errno != EEXIST)
		return fault_set(f, errno, "unable to create /run/hardinit: %s", strerror(errno));
	r = ext4_apply_mount(plan->logs_device[0] ? plan->logs_device : NULL, plan->logs_label, LOGS_EARLY,
			     MS_NOSUID | MS_NODEV | MS_NOEXEC, plan->format_blank, tools_jail(), &st->logs_state,
			     &why, f);
	if (r < 0)
		return r;
	st->logs_fd = open(LOGS_EARLY, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return st->logs_fd < 0 ? fault_set(f, errno, "unable to open %s: %s", LOGS_EARLY, strerror(errno)) : 0;
}

static int apply_mount_data(struct boot_state *st, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct fault why = { "" };
	int r;

	if (plan->data_protection == DATA_PROTECTION_TPM)
		return data_apply_mount_sealed(st, tools_jail(), f);
	r = ext4_apply_mount(plan->data_device[0] ? plan->data_device : NULL, plan->data_label, DATA_ROOT,
			     MS_NOSUID | MS_NODEV, plan->format_blank, tools_jail(), &st->data_state, &why, f);
	if (r == 0 && st->data_state == STORAGE_VOLATILE)
		snprintf(st->data_reason, sizeof(st->data_reason), "%s", why.text);
	return r;
}

/* Mounts the overlays, binds and the .eflow view from the data partition; if that
 * fails there (a full or damaged filesystem, say), from a tmpfs instead, so that the
 * appliance stays reachable. Then detaches the data partition's own mount: only the
 * mounts made from it remain. */
static int apply_mount_state(struct boot_state *st, struct fault *f)
{
	int r = state_apply_mount(&st->plan->state, DATA_ROOT, plan_root_dir(st->plan), f);

	if (r < 0 && st->data_state == STORAGE_PERSISTENT) {
		log_warning("unable to set up the state on the data partition (%s): using a tmpfs, continuing", f->text);
		snprintf(st->data_reason, sizeof(st->data_reason), "%s", f->text);
		st->data_state = STORAGE_VOLATILE;
		(void)umount2(DATA_ROOT, MNT_DETACH); /* the partition is left as it is */
		if ((r = ext4_apply_mount_volatile(DATA_ROOT, MS_NOSUID | MS_NODEV, f)) < 0)
			return r;
		r = state_apply_mount(&st->plan->state, DATA_ROOT, plan_root_dir(st->plan), f);
	}
	if (r < 0)
		return r;
	if (umount2(DATA_ROOT, MNT_DETACH) < 0)
		return fault_set(f, errno, "unable to detach %s: %s", DATA_ROOT, strerror(errno));
	return 0;
}

/* Loads the policy's ruleset; if it cannot be rendered or loaded, the built-in
 * deny-all ruleset (loopback and established only). Fails only if that fails too. */
static int apply_load_firewall(struct boot_state *st, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	char *ruleset = plan->firewall_ok ? firewall_plan_render(&plan->firewall) : NULL;
	struct fault why = { "" };
	int r = -EINVAL;

	if (!plan->firewall_ok)
		fault_set(&why, EINVAL, "%s", plan->firewall_error);
	else if (!ruleset)
		fault_set(&why, ENOMEM, "unable to render the ruleset");
	else
		r = firewall_apply_load(ruleset, &why);
	free(ruleset);
	if (r == 0) {
		st->firewall_state = "loaded";
		return 0;
	}
	log_error("firewall: %s: loading the deny-all ruleset, continuing", why.text);
	if ((r = firewall_apply_load(firewall_deny_all, f)) < 0)
		return r;
	st->firewall_state = "fallback";
	return 0;
}

static int apply_move_logs(struct boot_state *st, struct fault *f)
{
	const char *target = plan_logs_target(st->plan);

	if (mount(LOGS_EARLY, target, NULL, MS_MOVE, NULL) < 0)
		return fault_set(f, errno, "unable to move %s to %s: %s", LOGS_EARLY, target, strerror(errno));
	return 0;
}

static int apply_audit_mounts(struct boot_state *st, struct fault *f)
{
	struct audit_table table;
	int n;

	mounts_audit_expect(&st->plan->state, &table);
	n = mounts_audit_file("/proc/self/mountinfo", &table, f);
	snprintf(st->audit, sizeof(st->audit), "%s", n < 0 ? f->text : "ok");
	if (n >= 0)
		log_info("mount audit: %d mounts as expected", n);
	return n < 0 ? n : 0;
}

/* Prints the ready line, then hands PID 1 to the service tree (pid1 = exec) or to the
 * small supervisor embedded in hardinit, which starts the tree as a child and supervises
 * it (pid1 = supervise; should that exec fail, hardinit supervises in-process).
 * Returns only on failure. */
static int apply_exec(struct boot_state *st, struct fault *f)
{
	struct boot_plan *plan = st->plan;
	char *const argv[] = { plan->exec, NULL };
	char overlays[STATE_PATHS_MAX * STATE_PATH_LEN];
	char version[24] = "none";
	int r;

	modules_ahead_finish(&st->ahead);
	state_plan_overlay_list(&plan->state, overlays, sizeof(overlays));
	if (plan->mode == BOOT_MODE_INITRAMFS)
		snprintf(version, sizeof(version), "%llu", (unsigned long long)st->footer.version);
	log_notice("ready slot=%s version=%s verity=%s overlays=%s data=%s firewall=%s init_ms=%u",
		   plan_slot_name(plan), version, st->verity_state, overlays,
		   st->data_state == STORAGE_PERSISTENT ? "persistent" : "degraded", st->firewall_state,
		   boot_elapsed_ms(st));
	if (plan->pid1 == PID1_SUPERVISE) {
		/* PID 1 stays: keep nothing open that would hold /logs busy at shutdown. */
		if (st->logs_fd >= 0)
			close(st->logs_fd);
		st->logs_fd = -1;
		if (st->kmod)
			modules_close(st->kmod);
		st->kmod = NULL;
		if (st->slot_chosen)
			snprintf(plan->supervisor.slot_partition, sizeof(plan->supervisor.slot_partition), "%s",
				 plan->root_device);
		plan->supervisor.exec_program = st->exec;
		plan->supervisor.health_program = st->health;
		/* PID 1 becomes the small static supervisor: hardinit's libraries go away. */
		(void)supervise_handover(&plan->supervisor, f);
		log_warning("%s: supervising in hardinit itself, continuing", f->text);
		supervise_run(&plan->supervisor);
	}
	r = program_exec(&st->exec, argv, program_env);
	return fault_set(f, r, "unable to execute %s: %s", argv[0], strerror(-r));
}

int boot_apply_step(const struct boot_step *step, struct boot_state *st, struct fault *f)
{
	switch (step->kind) {
	case STEP_LOAD_MODULES: return apply_load_modules(step, st, f);
	case STEP_CHECK_ROOT: return apply_check_root(st, f);
	case STEP_FIND_PARTITIONS: return apply_find_partitions(st, f);
	case STEP_CHOOSE_SLOT: return apply_choose_slot(st, f);
	case STEP_OPEN_VERITY: return apply_open_verity(st, f);
	case STEP_MOUNT_ROOT: return apply_mount_root(st, f);
	case STEP_CHECK_EXEC: return apply_check_exec(st, f);
	case STEP_MEASURE_ENTER: return measure_enter(st, f);
	case STEP_MEASURE_LEAVE: return measure_leave(st, f);
	case STEP_MOUNT_LOGS: return apply_mount_logs(st, f);
	case STEP_BOOT_CHAIN: return boot_chain_read(st->kmod, &st->chain, f);
	case STEP_MOUNT_DATA: return apply_mount_data(st, f);
	case STEP_MOUNT_STATE: return apply_mount_state(st, f);
	case STEP_LOAD_FIREWALL: return apply_load_firewall(st, f);
	case STEP_LOCKDOWN: modules_ahead_finish(&st->ahead); return lockdown_apply_kernel(&st->plan->lockdown, f);
	case STEP_HANDOFF: return apply_handoff(st, f);
	case STEP_MOVE_LOGS: return apply_move_logs(st, f);
	case STEP_SWITCH_ROOT: modules_ahead_finish(&st->ahead); return mounts_apply_switch_root(SYSROOT, f);
	case STEP_MOUNT_BASE: return mounts_apply_table(mounts_base, mounts_base_count, f);
	case STEP_AUDIT_MOUNTS: return apply_audit_mounts(st, f);
	case STEP_WRITE_RECORD: return boot_write_record(st, NULL, NULL, f);
	case STEP_SECCOMP: return lockdown_apply_seccomp(&st->plan->lockdown, f);
	case STEP_EXEC: return apply_exec(st, f);
	case STEP_KIND_COUNT: break;
	}
	return fault_set(f, EINVAL, "unknown step kind %d", (int)step->kind);
}
