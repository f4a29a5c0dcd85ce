#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>

#include "common/efivar.h"
#include "common/hex.h"
#include "init/plan.h"
#include "init/record.h"
#include "tpm/measure_plan.h"
#include "tpm/tpm_apply.h"
#include "verity/verity_plan.h"

_Static_assert(BOOT_STEPS_MAX <= RECORD_STEPS_MAX, "a boot record holds every step of a plan");

static const char *const step_kind_names[STEP_KIND_COUNT] = {
	[STEP_LOAD_MODULES] = "load-modules",
	[STEP_CHECK_ROOT] = "check-root",
	[STEP_FIND_PARTITIONS] = "find-partitions",
	[STEP_CHOOSE_SLOT] = "choose-slot",
	[STEP_OPEN_VERITY] = "open-verity",
	[STEP_MOUNT_ROOT] = "mount-root",
	[STEP_CHECK_EXEC] = "check-exec",
	[STEP_MEASURE_ENTER] = "measure-enter",
	[STEP_MOUNT_LOGS] = "mount-logs",
	[STEP_BOOT_CHAIN] = "boot-chain",
	[STEP_MOUNT_DATA] = "mount-data",
	[STEP_MOUNT_STATE] = "mount-state",
	[STEP_LOAD_FIREWALL] = "load-firewall",
	[STEP_LOCKDOWN] = "lockdown",
	[STEP_MEASURE_LEAVE] = "measure-leave",
	[STEP_HANDOFF] = "handoff",
	[STEP_MOVE_LOGS] = "move-logs",
	[STEP_SWITCH_ROOT] = "switch-root",
	[STEP_MOUNT_BASE] = "mount-base",
	[STEP_AUDIT_MOUNTS] = "mount-audit",
	[STEP_WRITE_RECORD] = "boot-record",
	[STEP_SECCOMP] = "seccomp",
	[STEP_EXEC] = "exec",
};

const char *step_kind_name(enum step_kind kind)
{
	return step_kind_names[kind];
}

/* Appends a step named as its kind; every step of the core boot path is fatal. The
 * table is sized for the longest plan plan_build makes: past it, the extra steps land
 * in a spare slot and plan_build fails (a unit test builds the longest plans). */
static struct boot_step *plan_add(struct boot_plan *plan, enum step_kind kind)
{
	static struct boot_step overflow;
	struct boot_step *s = plan->n_steps < BOOT_STEPS_MAX ? &plan->steps[plan->n_steps] : &overflow;

	plan->n_steps++;
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->name = step_kind_name(kind);
	s->fatal = true;
	return s;
}

/* Appends a load-modules step; `name` ("load-modules:<what for>") tells it apart from
 * the plan's other load-modules steps in FATAL lines and the boot record. */
static struct boot_step *plan_add_modules(struct boot_plan *plan, const char *name)
{
	struct boot_step *s = plan_add(plan, STEP_LOAD_MODULES);

	s->name = name;
	return s;
}

static void module_list_add(struct module_list *list, const char *name)
{
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->names[i], name) == 0)
			return;
	if (list->n < POLICY_MODULES_MAX)
		strcpy(list->names[list->n++], name);
}

/* The settings a supervising PID 1 needs (supervise/). */
static void plan_supervisor(const struct policy *p, struct supervisor *sv)
{
	strcpy(sv->exec, p->exec);
	sv->on_exit = p->on_exit;
	sv->restart_limit = p->restart_limit;
	sv->restart_window_s = p->restart_window_s;
	sv->shutdown_grace_ms = p->shutdown_grace_ms;
	sv->on_failure = p->on_failure;
	strcpy(sv->health_check, p->health_check);
	sv->health_timeout_s = p->health_timeout_s;
}

/* Refuses a program (exec or health_check) whose path is writable state once the
 * state is mounted: PID 1 must only run what the verified root holds. (A path that
 * only resolves there, through a symlink, is refused when check-exec opens it.)
 * Returns 0 or -EINVAL. */
static int plan_check_program(const struct state_plan *state, const char *key, const char *path, struct fault *f)
{
	if (path[0] && state_plan_is_writable(state, path))
		return fault_set(f, EINVAL, "%s %s is in writable state (an overlay, a bind, a tmpfs or /logs), "
				 "not on the verified root", key, path);
	return 0;
}

/* The hand-over to the supervisor (pid1 = supervise) runs memfd_create and execveat
 * under the seccomp filter, and every exec of the service tree runs execveat: a policy
 * that denies them, or that forbids executable memfds (vm.memfd_noexec = 2), would boot
 * to a PID 1 that cannot do its job. Returns 0 or -EINVAL. */
static int plan_check_handover(const struct boot_plan *plan, struct fault *f)
{
	const struct lockdown_plan *l = &plan->lockdown;

	for (size_t i = 0; i < l->n_deny; i++) {
		if (strcmp(l->deny[i], "execveat") == 0)
			return fault_set(f, EINVAL, "[lockdown] seccomp_deny names execveat: hardinit executes the "
					 "service tree with it");
		if (plan->pid1 == PID1_SUPERVISE && strcmp(l->deny[i], "memfd_create") == 0)
			return fault_set(f, EINVAL, "[lockdown] seccomp_deny names memfd_create: pid1 = supervise "
					 "hands PID 1 to the supervisor through a memfd");
	}
	for (size_t i = 0; i < l->n_sysctls; i++)
		if (plan->pid1 == PID1_SUPERVISE && strcmp(l->sysctls[i].key, "vm.memfd_noexec") == 0 &&
		    strcmp(l->sysctls[i].value, "2") == 0)
			return fault_set(f, EINVAL, "[sysctl] vm.memfd_noexec = 2: pid1 = supervise executes the "
					 "supervisor from a memfd");
	return 0;
}

/* Initramfs mode's first steps: find and choose the slot, mount /logs, open and mount
 * the verified root at SYSROOT and check the exec target through dm-verity. */
static void plan_slot_steps(const struct policy *p, struct boot_plan *ret)
{
	struct boot_step *s;

	s = plan_add_modules(ret, "load-modules:storage");
	s->modules = p->storage_modules;
	plan_add(ret, STEP_FIND_PARTITIONS);
	plan_add(ret, STEP_CHOOSE_SLOT);
	s = plan_add_modules(ret, "load-modules:ext4");
	module_list_add(&s->modules, "ext4");
	/* /logs first, so that a boot that fails later still leaves a record. */
	plan_add(ret, STEP_MOUNT_LOGS);
	/* The firmware's names for the loader and boot image, for the record: not fatal. */
	plan_add(ret, STEP_BOOT_CHAIN)->fatal = false;
	s = plan_add_modules(ret, "load-modules:verity");
	module_list_add(&s->modules, "dm-verity");
	plan_add(ret, STEP_OPEN_VERITY)->slot_bound = true;
	plan_add(ret, STEP_MOUNT_ROOT);
	plan_add(ret, STEP_CHECK_EXEC)->slot_bound = true;
	/* Measured boot (docs/measured-boot.md): "enter-initrd" before the data partition is
	 * touched, with the verified image's identity; not fatal (no TPM: nothing measured). */
	plan_add(ret, STEP_MEASURE_ENTER)->fatal = false;
}

/* Init= mode's first steps: the distro's initramfs mounted the root; check it is
 * read-only (and dm-verity when required), then find data and logs and mount /logs. */
static void plan_root_steps(const struct policy *p, struct boot_plan *ret)
{
	struct boot_step *s;

	s = plan_add_modules(ret, "load-modules:storage");
	s->modules = p->storage_modules;
	module_list_add(&s->modules, "ext4");
	plan_add(ret, STEP_CHECK_ROOT);
	plan_add(ret, STEP_FIND_PARTITIONS);
	plan_add(ret, STEP_MOUNT_LOGS);
}

int plan_build(const struct policy *p, const struct boot_cmdline *c, enum boot_mode mode, struct boot_plan *ret,
	       struct fault *f)
{
	struct boot_step *s;

	memset(ret, 0, sizeof(*ret));
	ret->mode = mode;
	ret->root_ro = p->root_ro;
	ret->slot_choice = p->slot;
	strcpy(ret->label[0], p->label_a);
	strcpy(ret->label[1], p->label_b);
	if (strcmp(p->label_a, p->label_b) == 0)
		return fault_set(f, EINVAL, "slots a and b have the same label %s", p->label_a);
	if (mode == BOOT_MODE_INIT)
		ret->slot = '-';
	else if (p->slot == SLOT_AUTO)
		ret->slot = '?';
	else
		plan_set_slot(ret, p->slot == SLOT_A ? 0 : 1, "chosen by the bootloader");
	ret->boot_tries = p->boot_tries;
	ret->min_version = p->min_version;
	ret->device_timeout_ms = p->device_timeout_ms;
	ret->verity = p->verity;
	ret->on_corruption = p->on_corruption;
	ret->root_hash_pinned = c->has_root_hash;
	memcpy(ret->root_hash, c->root_hash, c->root_hash_size);
	ret->root_hash_size = c->root_hash_size;
	strcpy(ret->keys_dir, p->keys_dir);
	strcpy(ret->exec, p->exec);
	ret->on_failure = p->on_failure;
	ret->pid1 = p->pid1;
	plan_supervisor(p, &ret->supervisor);
	strcpy(ret->data_label, p->data_label);
	strcpy(ret->logs_label, p->logs_label);
	ret->format_blank = p->format_blank;
	ret->data_protection = p->data_protection;
	ret->data_integrity = p->data_integrity;
	ret->data_migrate = p->data_migrate;
	if (p->data_integrity != DATA_INTEGRITY_NONE && p->data_protection != DATA_PROTECTION_TPM)
		return fault_set(f, EINVAL, "[data] integrity = %s needs protection = tpm",
				 data_integrity_name(p->data_integrity));
	if (!strcmp(p->data_label, p->logs_label) || !strcmp(p->data_label, p->label_a) ||
	    !strcmp(p->data_label, p->label_b) || !strcmp(p->logs_label, p->label_a) ||
	    !strcmp(p->logs_label, p->label_b))
		return fault_set(f, EINVAL, "the data, logs and slot partitions need distinct labels");
	if (state_plan_build(&p->overlays, &p->binds, &ret->state, f) < 0 || lockdown_plan_build(&p->lockdown, &ret->lockdown, f) < 0 ||
	    plan_check_program(&ret->state, "exec", p->exec, f) < 0 ||
	    plan_check_program(&ret->state, "health_check", p->health_check, f) < 0 || plan_check_handover(ret, f) < 0)
		return -EINVAL;
	{
		struct fault why = { "" };
		ret->firewall_ok = firewall_plan_build(&p->firewall, c->ssh_vsock, &ret->firewall, &why) == 0;
		snprintf(ret->firewall_error, sizeof(ret->firewall_error), "%s", why.text);
	}

	if (mode == BOOT_MODE_INIT)
		plan_root_steps(p, ret);
	else
		plan_slot_steps(p, ret);
	/* Before any state is mounted: in init= mode the keys are read from the root, and
	 * /etc is about to be overlaid from the data partition. */
	plan_add(ret, STEP_HANDOFF);
	s = plan_add_modules(ret, "load-modules:state");
	module_list_add(&s->modules, "overlay");
	for (size_t i = 0; i < p->extra_modules.n; i++)
		module_list_add(&s->modules, p->extra_modules.names[i]);
	if (p->data_protection == DATA_PROTECTION_TPM) {
		/* dm-crypt and what its aes-xts-plain64 mapping and libcryptsetup's kernel
		 * crypto checks need. */
		s = plan_add_modules(ret, "load-modules:crypt");
		module_list_add(&s->modules, "dm-crypt");
		module_list_add(&s->modules, "xts");
		module_list_add(&s->modules, "ecb");
		module_list_add(&s->modules, "af_alg");
		module_list_add(&s->modules, "algif_skcipher");
		if (p->data_integrity == DATA_INTEGRITY_HMAC_SHA256) {
			module_list_add(&s->modules, "dm-integrity");
			module_list_add(&s->modules, "authenc");
		}
	}
	plan_add(ret, STEP_MOUNT_DATA);
	plan_add(ret, STEP_MOUNT_STATE);
	/* The firewall is loaded before anything can bring an interface up. */
	s = plan_add_modules(ret, "load-modules:firewall");
	module_list_add(&s->modules, "nf_tables");
	module_list_add(&s->modules, "nft_ct");
	module_list_add(&s->modules, "nft_limit");
	if (firewall_settings_want_vsock(&p->firewall, c->ssh_vsock)) {
		module_list_add(&s->modules, "vsock");
		module_list_add(&s->modules, "vmw_vsock_virtio_transport");
	}
	plan_add(ret, STEP_LOAD_FIREWALL);
	/* After the last module: sysctls, the lockdown LSM, then the module lock. */
	plan_add(ret, STEP_LOCKDOWN);
	/* "leave-initrd": the last thing before the service tree's root. With protection =
	 * tpm it is fatal: a PCR 11 left at its initramfs value would let the service tree
	 * unseal the data partition's key. */
	if (mode == BOOT_MODE_INITRAMFS)
		plan_add(ret, STEP_MEASURE_LEAVE)->fatal = p->data_protection == DATA_PROTECTION_TPM;
	plan_add(ret, STEP_MOVE_LOGS);
	if (mode == BOOT_MODE_INITRAMFS)
		plan_add(ret, STEP_SWITCH_ROOT);
	plan_add(ret, STEP_MOUNT_BASE);
	plan_add(ret, STEP_AUDIT_MOUNTS);
	plan_add(ret, STEP_WRITE_RECORD)->fatal = false;
	plan_add(ret, STEP_SECCOMP);
	plan_add(ret, STEP_EXEC);
	if (ret->n_steps > BOOT_STEPS_MAX)
		return fault_set(f, E2BIG, "the plan has %zu steps, more than %d", ret->n_steps, BOOT_STEPS_MAX);
	return 0;
}

bool plan_failure_marks_slot(const struct boot_step *step, bool slot_chosen, int err)
{
	return step->slot_bound && slot_chosen && verity_plan_error_condemns_slot(err);
}

void plan_set_slot(struct boot_plan *plan, int s, const char *why)
{
	plan->slot = (char)('a' + s);
	plan->slot_reason = why;
	strcpy(plan->slot_label, plan->label[s]);
	strcpy(plan->root_device, plan->slot_device[s]);
}

enum boot_mode plan_mode_from_fstype(unsigned long f_type)
{
	return f_type == RAMFS_MAGIC || f_type == TMPFS_MAGIC ? BOOT_MODE_INITRAMFS : BOOT_MODE_INIT;
}

const char *plan_slot_name(const struct boot_plan *plan)
{
	switch (plan->slot) {
	case 'a': return "a";
	case 'b': return "b";
	case '-': return "none";
	default: return "?";
	}
}

const char *plan_root_dir(const struct boot_plan *plan)
{
	return plan->mode == BOOT_MODE_INIT ? "/" : SYSROOT;
}

const char *plan_logs_target(const struct boot_plan *plan)
{
	return plan->mode == BOOT_MODE_INIT ? "/logs" : SYSROOT "/logs";
}

int plan_resolve_devices(struct boot_plan *plan, const struct device_list *devices, struct fault *f)
{
	struct fault why[2] = { { "" }, { "" } };
	int found[2], i;

	for (int s = 0; s < 2; s++) {
		found[s] = devices_find_label(devices, plan->label[s], &why[s]);
		if (found[s] == -ENOTUNIQ)
			return fault_set(f, ENOTUNIQ, "%s", why[s].text);
		strcpy(plan->slot_device[s], found[s] >= 0 ? devices->devices[found[s]].path : "");
	}
	if (plan->mode == BOOT_MODE_INIT) {
		/* the distro's initramfs found the root */
	} else if (plan->slot != '?') {
		int s = plan->slot - 'a';
		if (found[s] < 0)
			return fault_set(f, ENOENT, "%s", why[s].text);
		strcpy(plan->root_device, plan->slot_device[s]);
	} else if (found[0] < 0 && found[1] < 0) {
		return fault_set(f, ENOENT, "no partition is labelled %s or %s", plan->label[0], plan->label[1]);
	}
	i = devices_find_label(devices, plan->data_label, NULL);
	strcpy(plan->data_device, i >= 0 ? devices->devices[i].path : "");
	i = devices_find_label(devices, plan->logs_label, NULL);
	strcpy(plan->logs_device, i >= 0 ? devices->devices[i].path : "");
	return 0;
}

/* Prints what the step does with the plan's settings, on one line. */
static void step_print(const struct boot_plan *plan, const struct boot_step *s, FILE *out)
{
	char hex[2 * ROOT_HASH_MAX + 1];

	fprintf(out, "%-15s", s->name);
	switch (s->kind) {
	case STEP_LOAD_MODULES:
		for (size_t i = 0; i < s->modules.n; i++)
			fprintf(out, " %s", s->modules.names[i]);
		break;
	case STEP_CHECK_ROOT:
		fprintf(out, " / %s; dm-verity %s", plan->root_ro == ROOT_RO_REMOUNT ? "remounted read-only" : "must be read-only",
			plan->verity == VERITY_REQUIRED ? "status verified required" : "status verified if / is dm-verity");
		fprintf(out, "; open %s%s%s (resolved in /: not writable state), read whole; run from these descriptors",
			plan->exec, plan->supervisor.health_check[0] ? " and " : "", plan->supervisor.health_check);
		break;
	case STEP_FIND_PARTITIONS:
		if (plan->mode == BOOT_MODE_INIT) {
			fprintf(out, " partlabel=%s partlabel=%s (at most one each; else volatile)", plan->data_label,
				plan->logs_label);
			break;
		}
		fprintf(out, " partlabel=%s partlabel=%s (at most one each; %s) timeout=%ums", plan->label[0],
			plan->label[1], plan->slot == '?' ? "at least one" : plan->slot == 'a' ? "a needed" : "b needed",
			plan->device_timeout_ms);
		break;
	case STEP_CHOOSE_SLOT:
		if (plan->slot == '?')
			fprintf(out, " auto: highest-priority bootable slot (GPT attributes); a trial of %u boots until marked good; persisted before use",
				plan->boot_tries);
		else
			fprintf(out, " %c (%s), no decrement (the bootloader counts its tries)", plan->slot, plan->slot_reason);
		break;
	case STEP_OPEN_VERITY:
		fprintf(out, " slot=%s name=%s", plan->slot == '?' ? "chosen" : plan->root_device[0] ? plan->root_device : plan->slot_label,
			VERITY_DM_NAME);
		if (plan->min_version)
			fprintf(out, " min_version=%llu", plan->min_version);
		if (plan->root_hash_pinned) {
			hex_encode(plan->root_hash, plan->root_hash_size, hex);
			fprintf(out, " trust=roothash:%s", hex);
		} else {
			fprintf(out, " trust=footer-signature keys=%s", plan->keys_dir);
		}
		fprintf(out, " verity=%s on_corruption=%s", verity_mode_name(plan->verity),
			corruption_action_name(plan->on_corruption));
		break;
	case STEP_MOUNT_ROOT:
		fprintf(out, " /dev/mapper/%s %s ro fstype=footer(erofs|squashfs|ext4)", VERITY_DM_NAME, SYSROOT);
		break;
	case STEP_CHECK_EXEC:
		fprintf(out, " open %s%s%s%s (resolved in the root: not writable state), read whole, then require dm-verity status verified; run from these descriptors",
			SYSROOT, plan->exec, plan->supervisor.health_check[0] ? " and " SYSROOT : "", plan->supervisor.health_check);
		break;
	case STEP_MOUNT_LOGS:
		fprintf(out, " %s%s -> %s ext4 nosuid,nodev,noexec (blank: %s; ext4: e2fsck -p unless clean; else untouched, tmpfs)",
			plan->logs_device[0] ? "" : "partlabel:", plan->logs_device[0] ? plan->logs_device : plan->logs_label,
			LOGS_EARLY, plan->format_blank ? "format" : "untouched, tmpfs");
		break;
	case STEP_BOOT_CHAIN:
		fprintf(out, " if /sys/firmware/efi: module efivarfs, mounted ro,nosuid,nodev,noexec on /run/hardinit/efivars; "
			"read LoaderInfo StubInfo LoaderDevicePartUUID (at most %d bytes each), detach", EFIVAR_FILE_MAX);
		break;
	case STEP_MEASURE_ENTER:
		fprintf(out, " if %s and the stub measured the boot image into PCR %d (StubPcrKernelImage=11): extend PCR %d "
			"with \"%s\" and PCR %d with \"hardinit-image:slot=S:version=N:roothash=HEX\" in every bank, read both",
			TPM_DEVICE, MEASURE_PCR_PHASE, MEASURE_PCR_PHASE, MEASURE_PHASE_ENTER, MEASURE_PCR_IDENTITY);
		break;
	case STEP_MEASURE_LEAVE:
		fprintf(out, " if measure-enter extended: extend PCR %d with \"%s\" in every bank, read it",
			MEASURE_PCR_PHASE, MEASURE_PHASE_LEAVE);
		break;
	case STEP_MOUNT_DATA:
		if (plan->data_protection == DATA_PROTECTION_TPM) {
			fprintf(out, " %s%s -> %s protection=tpm: LUKS2 %s-%s%s%s opened by its systemd-tpm2 token (signed PCR %d "
				"policy of %s, signature %s), then ext4 nosuid,nodev (blank: %s; plaintext ext4: %s; "
				"anything else: untouched, tmpfs: degraded)",
				plan->data_device[0] ? "" : "partlabel:", plan->data_device[0] ? plan->data_device : plan->data_label,
				DATA_ROOT, DATA_CIPHER, DATA_CIPHER_MODE, plan->data_integrity ? " integrity=" : "",
				plan->data_integrity ? data_integrity_algorithm(plan->data_integrity) : "", DATA_PCR_SIGNED, DATA_PCR_KEY, DATA_SIGNATURE_STUB,
				plan->format_blank ? "format LUKS2, enrol, mke2fs" : "untouched, tmpfs",
				plan->data_migrate && !plan->data_integrity ?
				"migrated in place when the TPM's data marker is none or migrating (e2fsck -f, resize2fs -32 MiB, "
				"LUKS2 reencryption, enrol), else untouched, tmpfs" : "untouched, tmpfs");
			break;
		}
		fprintf(out, " %s%s -> %s ext4 nosuid,nodev (blank: %s; ext4: e2fsck -p unless clean; else untouched, tmpfs: degraded)",
			plan->data_device[0] ? "" : "partlabel:", plan->data_device[0] ? plan->data_device : plan->data_label,
			DATA_ROOT, plan->format_blank ? "format" : "untouched, tmpfs");
		break;
	case STEP_MOUNT_STATE:
		fprintf(out, " walk %s with openat2 (no symlinks, beneath, no xdev), then detach it\n", DATA_ROOT);
		state_plan_print(&plan->state, out);
		return;
	case STEP_LOAD_FIREWALL:
		if (!plan->firewall_ok) {
			fprintf(out, " deny-all (the settings are bad: %s)", plan->firewall_error);
			break;
		}
		fprintf(out, " table inet hardinit: input drop; ssh=%s", plan->firewall.ssh == SSH_TCP ? "tcp/22" : "vsock");
		if (plan->firewall.ssh == SSH_TCP)
			fprintf(out, " (%u new per %us per source, /64 for IPv6; banned until %us quiet; untracked sources share %u new per minute)",
				plan->firewall.ssh_max_new, plan->firewall.ssh_window_s, plan->firewall.ssh_ban_s,
				plan->firewall.untracked_per_min);
		for (size_t i = 0; i < plan->firewall.n_trusted; i++) {
			char prefix[64];
			if (firewall_prefix_format(&plan->firewall.trusted[i], prefix, sizeof(prefix)) == 0)
				fprintf(out, "%s%s", i ? " " : "; trusted, never counted: ", prefix);
		}
		if (plan->firewall.n_trusted && plan->firewall.trusted_iface[0])
			fprintf(out, " (on %s only)", plan->firewall.trusted_iface);
		for (size_t i = 0; i < plan->firewall.n_tcp; i++)
			fprintf(out, " tcp/%u", plan->firewall.tcp_ports[i]);
		for (size_t i = 0; i < plan->firewall.n_udp; i++)
			fprintf(out, " udp/%u", plan->firewall.udp_ports[i]);
		fprintf(out, "; forward %s; fallback deny-all", plan->firewall.forward_accept ? "accept" : "drop");
		break;
	case STEP_LOCKDOWN:
		for (size_t i = 0; i < plan->lockdown.n_sysctls; i++)
			fprintf(out, " %s%s=%s", plan->lockdown.sysctls[i].optional ? "-" : "",
				plan->lockdown.sysctls[i].key, plan->lockdown.sysctls[i].value);
		fprintf(out, "; lockdown LSM %s; modules %s",
			plan->lockdown.kernel_lockdown == KERNEL_LOCKDOWN_NONE ? "unchanged" :
			plan->lockdown.kernel_lockdown == KERNEL_LOCKDOWN_INTEGRITY ? "integrity" : "confidentiality",
			plan->lockdown.lock_modules ? "locked (kernel.modules_disabled=1)" : "open");
		break;
	case STEP_SECCOMP:
		fprintf(out, " EPERM:");
		for (size_t i = 0; i < plan->lockdown.n_deny; i++)
			fprintf(out, "%s%s", i ? "," : " ", plan->lockdown.deny[i]);
		fprintf(out, "; i386 and x32: %s; inherited by the service tree",
			plan->lockdown.deny_compat_abis ? "ENOSYS for every syscall" : "the same EPERM list");
		break;
	case STEP_HANDOFF:
		fprintf(out, " /run/hardinit/state and /run/hardinit/keys (from %s%s, before the state is mounted) for hardinitctl",
			plan->keys_dir, plan->mode == BOOT_MODE_INIT ? " on the root" : " in the initramfs");
		break;
	case STEP_MOVE_LOGS:
		fprintf(out, " %s -> %s", LOGS_EARLY, plan_logs_target(plan));
		break;
	case STEP_AUDIT_MOUNTS:
		fprintf(out, " /proc/self/mountinfo against the mount table");
		break;
	case STEP_WRITE_RECORD:
		fprintf(out, " /logs/%s/%s", RECORD_DIR, RECORD_FILE);
		break;
	case STEP_SWITCH_ROOT:
		fprintf(out, " %s (move /proc /sys /dev /run, empty the initramfs, chroot)", SYSROOT);
		break;
	case STEP_MOUNT_BASE:
		fprintf(out, " /dev/pts /dev/shm /tmp");
		break;
	case STEP_EXEC:
		fprintf(out, " %s", plan->exec);
		if (plan->pid1 == PID1_SUPERVISE)
			fprintf(out, " as a child: hardinit stays PID 1, reaps orphans; on exit: %s (crash loop: %u exits in %us); shutdown grace %ums%s%s",
				exit_action_name(plan->supervisor.on_exit), plan->supervisor.restart_limit + 1,
				plan->supervisor.restart_window_s, plan->supervisor.shutdown_grace_ms,
				plan->supervisor.health_check[0] ? "; health check " : "", plan->supervisor.health_check);
		break;
	case STEP_KIND_COUNT:
		break;
	}
	fprintf(out, "%s%s\n", s->fatal ? "" : " (non-fatal)",
		s->slot_bound ? " (an integrity or authenticity failure marks the slot unbootable)" : "");
}

void plan_print(const struct boot_plan *plan, FILE *out)
{
	fprintf(out, "# hardinit boot plan%s\n", plan->mode == BOOT_MODE_INIT ? " (init= mode: the root is already mounted)" : "");
	for (size_t i = 0; i < plan->n_steps; i++)
		step_print(plan, &plan->steps[i], out);
	fprintf(out, "%-15s %s\n", "on-failure", failure_action_name(plan->on_failure));
}
