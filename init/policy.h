/* The boot policy: what the appliance's builder decided, read from a trusted file
 * (inside the initramfs) and narrowed, never widened, by the kernel command line. */
#ifndef HARDINIT_POLICY_H
#define HARDINIT_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/cmdline.h"
#include "common/fault.h"
#include "common/shutdown.h"
#include "crypt/data_plan.h"
#include "firewall/firewall_plan.h"
#include "lockdown/lockdown_plan.h"
#include "overlay/overlay_plan.h"
#include "slots/slot_state.h"
#include "supervise/supervise_plan.h"
#include "verity/verity_plan.h"

#define POLICY_LABEL_MAX 36      /* a GPT partition name holds 36 UTF-16 units */
#define POLICY_MODULES_MAX 32
#define POLICY_MODULE_NAME_MAX 56
#define ROOT_HASH_MAX 64          /* sha512 */

enum cmdline_trust { CMDLINE_TIGHTEN, CMDLINE_TRUST, CMDLINE_TRUST_COUNT };
/* exec: hardinit execs the service tree; supervise: it stays PID 1 (supervise/). */
enum pid1_mode { PID1_EXEC, PID1_SUPERVISE, PID1_MODE_COUNT };
/* Init= mode: / must be read-only already, or hardinit remounts it read-only. */
enum root_ro { ROOT_RO_REQUIRE, ROOT_RO_REMOUNT, ROOT_RO_COUNT };

struct module_list {
	char names[POLICY_MODULES_MAX][POLICY_MODULE_NAME_MAX];
	size_t n;
};


struct policy {
	/* [boot] */
	char exec[PATH_MAX];
	enum failure_action on_failure;
	unsigned device_timeout_ms;
	enum cmdline_trust cmdline;
	enum pid1_mode pid1;
	enum exit_action on_exit;
	unsigned restart_limit;      /* exits within restart_window_s that make a crash loop */
	unsigned restart_window_s;
	unsigned shutdown_grace_ms;  /* SIGTERM to SIGKILL at shutdown */
	char health_check[PATH_MAX]; /* "" for none */
	unsigned health_timeout_s;
	/* [slots] */
	enum slot_choice slot;
	char label_a[POLICY_LABEL_MAX + 1];
	char label_b[POLICY_LABEL_MAX + 1];
	unsigned boot_tries;
	unsigned long long min_version;
	/* [verity] */
	enum verity_mode verity;
	enum corruption_action on_corruption;
	char keys_dir[PATH_MAX];
	/* [mounts] */
	char data_label[POLICY_LABEL_MAX + 1];
	char logs_label[POLICY_LABEL_MAX + 1];
	struct path_list overlays;
	struct path_list binds;
	bool format_blank;
	enum root_ro root_ro;
	enum data_protection data_protection; /* [data] protection */
	enum data_integrity data_integrity;   /* [data] integrity */
	bool data_migrate;                    /* [data] migrate: a plaintext ext4 is migrated */
	/* [firewall] */
	struct firewall_settings firewall;
	/* [lockdown] and [sysctl], parsed by lockdown/lockdown_plan.c */
	struct lockdown_settings lockdown;
	/* [modules] */
	struct module_list storage_modules;
	struct module_list extra_modules;
};

/* What the kernel command line said to hardinit (after policy rules applied). */
struct boot_cmdline {
	bool debug;
	bool has_root_hash;
	unsigned char root_hash[ROOT_HASH_MAX];
	size_t root_hash_size;
	char unknown[8][64];       /* unknown hardinit.* keys, for a warning */
	size_t n_unknown;
	char ignored[8][96];       /* overrides the policy refused, for a warning */
	size_t n_ignored;
	bool ssh_vsock;            /* hardinit.ssh=vsock: management over AF_VSOCK only */
};

void policy_set_defaults(struct policy *p);

/* Parses INI text (libinih) over the defaults already in *p. Every key is known:
 * an unknown section or key, or a bad value, is an error naming the line, section
 * and key. Returns 0 or -EINVAL (f says where and why). */
int policy_parse_text(const char *text, const char *origin, struct policy *p, struct fault *f);

/* Reads and parses a policy file. Returns 0, -errno if unreadable, -EINVAL if bad. */
int policy_parse_file(const char *path, struct policy *p, struct fault *f);

/* Applies the hardinit keys of the command line to the policy: hardinit.slot
 * (the bootloader's choice), roothash=, and hardinit.verity / hardinit.exec, which
 * may only tighten unless the policy says `cmdline = trust`. A refused override is
 * recorded in ret->ignored; an unknown hardinit.* key in ret->unknown.
 * Returns 0; -EINVAL for a malformed value or a key given twice with different
 * values (ambiguous, so refused). */
int policy_apply_cmdline(struct policy *p, const struct cmdline *c, struct boot_cmdline *ret,
			 struct fault *f);

const char *failure_action_name(enum failure_action a);
const char *verity_mode_name(enum verity_mode m);
const char *corruption_action_name(enum corruption_action a);
const char *exit_action_name(enum exit_action a);

#endif
