/* Applying the boot plan: the state the steps share, the one loop that runs them, and
 * the seams (step executor, failure handler) that unit tests replace with fakes. */
#ifndef HARDINIT_BOOT_H
#define HARDINIT_BOOT_H

#include <stdbool.h>
#include <time.h>

#include "common/efivar.h"
#include "common/fault.h"
#include "common/program.h"
#include "common/spawn.h"
#include "init/modules_ahead.h"
#include "init/plan.h"
#include "mounts/ext4_plan.h"
#include "tpm/tpm2_cmd.h"
#include "verity/footer.h"
#include "verity/verity_plan.h"

struct kmod_ctx;

/* The boot chain's names on a UEFI boot (boot_chain_apply.c): "" for each one unset or
 * not well-formed. */
struct boot_chain {
	bool firmware;                          /* /sys/firmware/efi exists */
	char loader[EFIVAR_TEXT_MAX + 1];       /* LoaderInfo: "hardinit-loader VERSION" */
	char stub[EFIVAR_TEXT_MAX + 1];         /* StubInfo: "systemd-stub 252..." */
	char boot_image[EFIVAR_UUID_LEN + 1];   /* LoaderDevicePartUUID: boot-X's PARTUUID */
	char stub_pcr[8];                       /* StubPcrKernelImage: "11" when the stub measured
	                                         * the boot image into PCR 11 */
};

/* What the measure steps did (measure_apply.c), for the console and the boot record. */
struct boot_measure {
	const char *tpm;                  /* NULL until measure-enter ran; then none (no TPM),
	                                   * unmeasured (the stub measured nothing into PCR 11),
	                                   * measured, or failed */
	bool entered;                     /* "enter-initrd" was extended: "leave-initrd" must be */
	const char *bank;                 /* the bank the values were read from, NULL if none */
	char pcr11_enter[2 * TPM2_DIGEST_MAX + 1];  /* PCR 11 read after "enter-initrd"; "" if not read */
	char pcr15[2 * TPM2_DIGEST_MAX + 1];        /* PCR 15 read after the image's identity */
	char pcr11_leave[2 * TPM2_DIGEST_MAX + 1];  /* PCR 11 read after "leave-initrd" */
};

struct boot_state {
	struct boot_plan *plan;
	struct timespec start;            /* hardinit's first instruction, CLOCK_MONOTONIC */
	struct kmod_ctx *kmod;
	struct modules_ahead ahead;       /* the later steps' modules, loaded on another CPU */
	struct slot_footer footer;
	enum root_trust trust;
	const char *verity_state;         /* "verified" once checked */
	unsigned step_ms[BOOT_STEPS_MAX];
	size_t steps_done;                /* steps that ran (for the boot record) */
	int logs_fd;                      /* the logs filesystem's root, -1 until mounted */
	enum storage_state logs_state;
	enum storage_state data_state;
	char data_reason[320];            /* why the data is volatile */
	const char *data_crypt;           /* protection = tpm: sealed (formatted and enrolled by
	                                   * this boot), migrated (encrypted in place by this
	                                   * boot), unlocked, or locked; NULL: none */
	char audit[320];                  /* the mount audit's result */
	const char *firewall_state;       /* none | loaded | fallback */
	bool slot_chosen;                 /* a failure may now mark the slot unbootable */
	struct program exec;              /* the service tree's first program, verified */
	struct program health;            /* the health check, verified (PROGRAM_NONE: none) */
	struct boot_chain chain;
	struct boot_measure measure;
};

struct boot_ops {
	/* Applies one step. Returns 0 or -errno with f set. */
	int (*apply)(const struct boot_step *step, struct boot_state *st, struct fault *f);
	/* Acts on a fatal failure (err: the step's -errno); in PID 1 it does not return. */
	void (*fail)(const struct boot_state *st, const struct boot_step *step, int err, const struct fault *f);
};

/* Runs the plan's steps in order with ops->apply, timing each. A failing fatal step is
 * handed to ops->fail and ends the run; a failing non-fatal step is logged as a
 * warning. Returns 0 when every step returned, or the fatal step's -errno. */
int boot_run(struct boot_state *st, const struct boot_ops *ops);

/* The real failure handler (boot_fail.c): marks the slot unbootable when
 * plan_failure_marks_slot says so, writes the boot record when /logs is mounted,
 * prints the FATAL line and carries out the policy's on_failure. Never returns. */
void boot_fail(const struct boot_state *st, const struct boot_step *step, int err, const struct fault *f)
	__attribute__((noreturn));

/* The real step executor (boot_apply.c). */
int boot_apply_step(const struct boot_step *step, struct boot_state *st, struct fault *f);

/* Appends the boot record for this boot (outcome "ready", or "failed" at step with
 * reason) to /logs/hardinit/boots.jsonl and fsyncs it. Returns 0, or -errno (also
 * -EBADF when /logs is not mounted). (record_apply.c) */
int boot_write_record(const struct boot_state *st, const char *failed_step, const char *reason,
		      struct fault *f);

/* On a UEFI boot, loads efivarfs, mounts it read-only for the read and reads the boot
 * chain's names into *ret (each bounded and parsed, "" when unset or malformed), then
 * prints them on one console line; on any other boot, *ret says firmware = false.
 * Returns 0, or -errno when efivarfs cannot be loaded or mounted. */
int boot_chain_read(struct kmod_ctx *kmod, struct boot_chain *ret, struct fault *f);

/* mount-data under protection = tpm: seals a blank partition, unlocks the sealed one,
 * and mounts the ext4 inside at DATA_ROOT (e2fsck and mke2fs in jail); anything else,
 * or a TPM that does not unseal, leaves the partition untouched and mounts a tmpfs
 * there (st->data_state volatile, st->data_reason why). Returns 0, or -errno when not
 * even the tmpfs could be mounted. */
int data_apply_mount_sealed(struct boot_state *st, const struct spawn_jail *jail, struct fault *f);

/* measure-enter: with a TPM (/dev/tpmrm0) and a boot image whose stub measured it into
 * PCR 11 (st->chain), extends PCR 11 with "enter-initrd" and PCR 15 with the booted
 * image's identity (slot, version, root hash) in every bank, and reads both back into
 * st->measure. No TPM, or no stub measurement: a console line, nothing extended, 0.
 * Returns 0, or -errno when the TPM fails (st->measure.tpm = "failed"). */
int measure_enter(struct boot_state *st, struct fault *f);

/* measure-leave: when measure-enter measured, extends PCR 11 with "leave-initrd" (from
 * then on nothing sealed to the initramfs's PCR 11 unseals) and reads it back; else
 * nothing. Returns 0, or -errno when the TPM fails. */
int measure_leave(struct boot_state *st, struct fault *f);

/* Milliseconds since st->start. */
unsigned boot_elapsed_ms(const struct boot_state *st);

#endif
