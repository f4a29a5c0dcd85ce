/* The boot plan: an ordered list of typed steps computed by a pure function from the
 * policy and the command line, printed as stable text (`hardinit --print-plan`) and
 * applied by one loop (boot_run). */
#ifndef HARDINIT_PLAN_H
#define HARDINIT_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "common/fault.h"
#include "init/partitions.h"
#include "init/policy.h"
#include "firewall/firewall_plan.h"
#include "overlay/overlay_plan.h"
#include "supervise/supervise_plan.h"

#define BOOT_STEPS_MAX 32
#define SYSROOT "/sysroot"
#define VERITY_DM_NAME "root"
#define LOGS_EARLY "/run/hardinit/logs"   /* where /logs is mounted until switch root */
#define DATA_ROOT "/run/hardinit/data"    /* the data partition, detached once the state is mounted */

/* initramfs: hardinit is the initramfs's /init and switches root into the verified
 * slot. init: the kernel ran it as init= after a distro initramfs mounted the root. */
enum boot_mode { BOOT_MODE_INITRAMFS, BOOT_MODE_INIT };

/* The mode for a root filesystem of this statfs type: ramfs or tmpfs (the kernel's
 * rootfs) is an initramfs; anything else is init= mode. */
enum boot_mode plan_mode_from_fstype(unsigned long f_type);

enum step_kind {
	STEP_LOAD_MODULES,
	STEP_CHECK_ROOT,
	STEP_FIND_PARTITIONS,
	STEP_CHOOSE_SLOT,
	STEP_OPEN_VERITY,
	STEP_MOUNT_ROOT,
	STEP_CHECK_EXEC,
	STEP_MEASURE_ENTER,
	STEP_MOUNT_LOGS,
	STEP_BOOT_CHAIN,
	STEP_MOUNT_DATA,
	STEP_MOUNT_STATE,
	STEP_LOAD_FIREWALL,
	STEP_LOCKDOWN,
	STEP_MEASURE_LEAVE,
	STEP_HANDOFF,
	STEP_MOVE_LOGS,
	STEP_SWITCH_ROOT,
	STEP_MOUNT_BASE,
	STEP_AUDIT_MOUNTS,
	STEP_WRITE_RECORD,
	STEP_SECCOMP,
	STEP_EXEC,
	STEP_KIND_COUNT
};

struct boot_step {
	enum step_kind kind;
	const char *name;             /* unique in the plan: the FATAL line, the boot record and
	                               * --print-plan name the step so */
	bool fatal;
	bool slot_bound;              /* it checks the slot's image: an integrity or
	                               * authenticity failure here marks the slot unbootable */
	struct module_list modules;   /* STEP_LOAD_MODULES */
};

struct boot_plan {
	struct boot_step steps[BOOT_STEPS_MAX];
	size_t n_steps;
	enum boot_mode mode;
	enum root_ro root_ro;         /* init= mode */

	enum slot_choice slot_choice; /* auto, or the bootloader's a | b */
	char slot;                    /* 'a' or 'b'; '?' until chosen (auto) */
	const char *slot_reason;      /* why this slot */
	char label[2][POLICY_LABEL_MAX + 1];
	char slot_device[2][64];      /* "" when the slot has no partition */
	char slot_label[POLICY_LABEL_MAX + 1];
	char root_device[64];         /* the chosen slot's partition */
	unsigned boot_tries;
	unsigned long long min_version;
	unsigned device_timeout_ms;

	enum verity_mode verity;
	enum corruption_action on_corruption;
	bool root_hash_pinned;
	unsigned char root_hash[ROOT_HASH_MAX];
	size_t root_hash_size;
	char keys_dir[PATH_MAX];

	char data_label[POLICY_LABEL_MAX + 1];
	char logs_label[POLICY_LABEL_MAX + 1];
	char data_device[64];         /* "" when not exactly one partition has the label */
	char logs_device[64];
	bool format_blank;
	enum data_protection data_protection;
	enum data_integrity data_integrity;
	bool data_migrate;            /* [data] migrate (protection = tpm) */
	struct state_plan state;
	struct firewall_plan firewall;
	bool firewall_ok;             /* false: the settings are bad, the deny-all ruleset loads */
	char firewall_error[320];
	struct lockdown_plan lockdown;

	char exec[PATH_MAX];
	enum failure_action on_failure;
	enum pid1_mode pid1;
	struct supervisor supervisor; /* pid1 = supervise (its slot_partition is set at exec) */
};

/* Builds the plan for a boot in the given mode. Pure: no I/O. Returns 0, or -EINVAL
 * if the policy and command line cannot make a plan (f says why). */
int plan_build(const struct policy *p, const struct boot_cmdline *c, enum boot_mode mode, struct boot_plan *ret,
	       struct fault *f);

/* Resolves the slots' partitions in the device list: at most one device may carry a
 * slot's label; the bootloader's chosen slot (or, for auto, at least one slot) must be
 * there (in init= mode no slot is needed). With a chosen slot, sets root_device. The
 * data and logs partitions are used when exactly one device carries their label (else
 * they become volatile).
 * Returns 0, -ENOENT or -ENOTUNIQ. */
int plan_resolve_devices(struct boot_plan *plan, const struct device_list *devices, struct fault *f);

/* Makes slot s (0 or 1) the one to boot. */
void plan_set_slot(struct boot_plan *plan, int s, const char *why);

/* Prints the plan as stable text, one line per step (golden-file tested). */
void plan_print(const struct boot_plan *plan, FILE *out);

const char *step_kind_name(enum step_kind kind);

/* Whether a fatal failure of step with err (a -errno) marks the booted slot
 * unbootable: only in a step that checks the slot's image, once the slot is known
 * (chosen by hardinit, or by a bootloader with hardinit.slot=a|b, which then does not
 * retry an image that can never boot), and only for an integrity or authenticity error
 * (verity_plan_error_condemns_slot). Anything else reboots and leaves the slot to
 * boot counting. */
bool plan_failure_marks_slot(const struct boot_step *step, bool slot_chosen, int err);

/* The booted slot as the ready line and the boot record name it: "a", "b", "none" in
 * init= mode (no slots), or "?" while not chosen yet. */
const char *plan_slot_name(const struct boot_plan *plan);

/* Where the root is while the state is set up: SYSROOT, or / in init= mode. */
const char *plan_root_dir(const struct boot_plan *plan);

/* Where /logs ends up: SYSROOT/logs, or /logs in init= mode. */
const char *plan_logs_target(const struct boot_plan *plan);

#endif
