/*
 * Policy file grammar (INI, parsed by libinih; `;` or `#` starts a comment).
 * Every key is optional; docs/policy.md gives each default and its meaning.
 *
 *   [boot]
 *   exec = /sbin/init                 absolute path of the service tree's first program
 *   on_failure = reboot               reboot | poweroff | halt
 *   device_timeout_ms = 10000         1..600000: wait for partitions this long
 *   cmdline = tighten                 tighten | trust: may the cmdline loosen this policy?
 *   pid1 = exec                       exec | supervise: stay PID 1 and supervise the tree
 *   on_exit = reboot                  reboot | poweroff | restart (supervise: the tree exited)
 *   restart_limit = 5                 1..100 exits within restart_window_s = a crash loop
 *   restart_window_s = 60             1..3600
 *   shutdown_grace_ms = 5000          0..600000: SIGTERM to SIGKILL at shutdown
 *   health_check =                    supervise: run every 2 s until it exits 0, then mark good
 *   health_timeout_s = 300            1..3600: not healthy by then is a failure
 *   [slots]
 *   default = auto                    auto | a | b
 *   label_a = rootfs-a                GPT PARTLABEL of slot a (1..36 chars)
 *   label_b = rootfs-b
 *   boot_tries = 3                    boots a slot gets before it must be marked good (1..15)
 *   min_version = 0                   refuse a slot whose image version is lower
 *   [verity]
 *   mode = required                   required | optional | off
 *   on_corruption = restart           restart | panic | eio
 *   keys = /etc/hardinit/keys         directory of Ed25519 public keys (*.pem)
 *   [mounts]
 *   data_label = data                 GPT PARTLABEL of the persistent data partition
 *   logs_label = logs                 GPT PARTLABEL of the logs partition
 *   overlays = /etc /home /root /var  directories made writable by an overlay
 *   binds =                           directories bind-mounted from the data partition
 *   format_blank = yes                format a blank (all-zero) data or logs partition
 *   root_ro = require                 require | remount: init= mode's / must be read-only
 *   [data]
 *   protection = none                 none | tpm: LUKS2 sealed to the signed PCR 11 policy
 *   integrity = none                  none | hmac-sha256: dm-integrity under LUKS2 (tpm only)
 *   migrate = yes                     yes | no: encrypt a plaintext ext4 in place (tpm only)
 *   [firewall]                        kept as text, parsed by firewall/firewall_plan.c
 *   ssh = tcp | vsock ...             (docs/firewall.md)
 *   [lockdown], [sysctl]               kept as text, parsed by lockdown/lockdown_plan.c
 *   [modules]
 *   storage = virtio_pci virtio_blk   loaded before partitions are looked for
 *   load = virtio_net                 loaded before switch root (e.g. network drivers)
 *
 * Kernel command line keys (docs/cmdline.md):
 *   hardinit.slot=a|b|auto   roothash=HEX   hardinit.verity=required|optional|off
 *   hardinit.exec=PATH       hardinit.debug
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "common/hex.h"
#include "common/decimal.h"
#include "init/policy.h"

static const char *const failure_action_names[FAILURE_ACTION_COUNT] = { "reboot", "poweroff", "halt" };
static const char *const slot_choice_names[SLOT_CHOICE_COUNT] = { "auto", "a", "b" };
static const char *const verity_mode_names[VERITY_MODE_COUNT] = { "off", "optional", "required" };
static const char *const corruption_action_names[CORRUPTION_ACTION_COUNT] = { "restart", "panic", "eio" };
static const char *const cmdline_trust_names[CMDLINE_TRUST_COUNT] = { "tighten", "trust" };
static const char *const pid1_mode_names[PID1_MODE_COUNT] = { "exec", "supervise" };
static const char *const exit_action_names[EXIT_ACTION_COUNT] = { "reboot", "poweroff", "restart" };
static const char *const root_ro_names[ROOT_RO_COUNT] = { "require", "remount" };

const char *failure_action_name(enum failure_action a) { return failure_action_names[a]; }
const char *verity_mode_name(enum verity_mode m) { return verity_mode_names[m]; }
const char *corruption_action_name(enum corruption_action a) { return corruption_action_names[a]; }
const char *exit_action_name(enum exit_action a) { return exit_action_names[a]; }

/* Returns the index of value in names, or -1. */
static int name_lookup(const char *const *names, int n, const char *value)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], value) == 0)
			return i;
	return -1;
}

void policy_set_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->exec, "/sbin/init");
	p->on_failure = FAILURE_REBOOT;
	p->device_timeout_ms = 10000;
	p->cmdline = CMDLINE_TIGHTEN;
	p->pid1 = PID1_EXEC;
	p->on_exit = EXIT_REBOOT;
	p->restart_limit = 5;
	p->restart_window_s = 60;
	p->shutdown_grace_ms = 5000;
	p->health_timeout_s = 300;
	p->slot = SLOT_AUTO;
	strcpy(p->label_a, "rootfs-a");
	strcpy(p->label_b, "rootfs-b");
	p->boot_tries = 3;
	p->verity = VERITY_REQUIRED;
	p->on_corruption = CORRUPTION_RESTART;
	strcpy(p->keys_dir, "/etc/hardinit/keys");
	strcpy(p->data_label, "data");
	strcpy(p->logs_label, "logs");
	p->overlays.n = 4;
	strcpy(p->overlays.paths[0], "/etc");
	strcpy(p->overlays.paths[1], "/home");
	strcpy(p->overlays.paths[2], "/root");
	strcpy(p->overlays.paths[3], "/var");
	p->format_blank = true;
	p->data_migrate = true;
	strcpy(p->storage_modules.names[0], "virtio_pci");
	strcpy(p->storage_modules.names[1], "virtio_blk");
	p->storage_modules.n = 2;
}

/* An absolute, normalised path: starts with '/', no "." or ".." components, no "//",
 * printable ASCII without spaces. */
static bool path_is_clean(const char *path)
{
	if (path[0] != '/' || strlen(path) >= PATH_MAX)
		return false;
	for (const char *c = path; *c; c++)
		if (*c <= ' ' || *c >= 127)
			return false;
	for (const char *c = path; *c; c++) {
		if (*c != '/')
			continue;
		if (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return false;
	}
	return true;
}

static bool label_is_valid(const char *label)
{
	size_t n = strlen(label);
	if (n == 0 || n > POLICY_LABEL_MAX)
		return false;
	for (const char *c = label; *c; c++)
		if (*c <= ' ' || *c >= 127)
			return false;
	return true;
}

/* Parses a space-separated module list; names are [A-Za-z0-9_-]. Returns 0 or -EINVAL. */
static int parse_module_list(const char *value, struct module_list *ret, struct fault *f)
{
	char buf[1024];
	char *save = NULL;

	if (strlen(value) >= sizeof(buf))
		return fault_set(f, EINVAL, "module list too long");
	strcpy(buf, value);
	ret->n = 0;
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (ret->n == POLICY_MODULES_MAX)
			return fault_set(f, EINVAL, "more than %d modules", POLICY_MODULES_MAX);
		if (strlen(w) >= POLICY_MODULE_NAME_MAX || strspn(w, "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(w))
			return fault_set(f, EINVAL, "'%s' is not a module name", w);
		strcpy(ret->names[ret->n++], w);
	}
	return 0;
}

/* Directories hardinit itself mounts or that hold the kernel's API filesystems: an
 * overlay or bind there would hide or shadow them. */
static bool path_is_reserved(const char *path)
{
	static const char *const reserved[] = { "/proc", "/sys", "/dev", "/run", "/tmp", "/logs", NULL };

	for (const char *const *r = reserved; *r; r++) {
		size_t n = strlen(*r);
		if (strncmp(path, *r, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/* Parses a space-separated list of clean absolute paths, none reserved, none "/",
 * no duplicates. Returns 0 or -EINVAL. */
static int parse_path_list(const char *value, struct path_list *ret, struct fault *f)
{
	char buf[1024];
	char *save = NULL;

	if (strlen(value) >= sizeof(buf))
		return fault_set(f, EINVAL, "path list too long");
	strcpy(buf, value);
	ret->n = 0;
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (ret->n == STATE_PATHS_MAX)
			return fault_set(f, EINVAL, "more than %d paths", STATE_PATHS_MAX);
		if (!path_is_clean(w) || strlen(w) >= STATE_PATH_LEN || strcmp(w, "/") == 0 ||
		    w[strlen(w) - 1] == '/')
			return fault_set(f, EINVAL, "'%s' is not a clean absolute directory path", w);
		if (path_is_reserved(w))
			return fault_set(f, EINVAL, "'%s' is a directory hardinit mounts itself", w);
		for (size_t i = 0; i < ret->n; i++)
			if (strcmp(ret->paths[i], w) == 0)
				return fault_set(f, EINVAL, "'%s' is listed twice", w);
		strcpy(ret->paths[ret->n++], w);
	}
	return 0;
}

struct parse_state {
	struct policy *policy;
	struct fault *fault;
	bool failed;
};

/* Parses one enum-valued key; fills the fault with the accepted values on error. */
static int parse_enum(const char *const *names, int n, const char *value, int *ret,
		      struct fault *f)
{
	char expected[128] = "";
	int i = name_lookup(names, n, value);

	if (i >= 0) {
		*ret = i;
		return 0;
	}
	for (int k = 0; k < n; k++) {
		strncat(expected, names[k], sizeof(expected) - strlen(expected) - 1);
		if (k + 1 < n)
			strncat(expected, " | ", sizeof(expected) - strlen(expected) - 1);
	}
	return fault_set(f, EINVAL, "expected %s, got '%s'", expected, value);
}

/* Parses a decimal number in min..max. Returns 0 or -EINVAL. */
static int parse_range(const char *value, unsigned long min, unsigned long max, unsigned *ret, struct fault *f)
{
	if (decimal_parse_unsigned(value, (unsigned)min, (unsigned)max, ret) < 0)
		return fault_set(f, EINVAL, "expected %lu..%lu, got '%s'", min, max, value);
	return 0;
}

/* Sets one key of the policy. Returns 0 or -EINVAL with the reason in f. */
static int policy_set_key(struct policy *p, const char *section, const char *key,
			  const char *value, struct fault *f)
{
	int v;
	int r;

#define IS(s, k) (strcmp(section, s) == 0 && strcmp(key, k) == 0)
	if (IS("boot", "exec")) {
		if (!path_is_clean(value))
			return fault_set(f, EINVAL, "'%s' is not a clean absolute path", value);
		strcpy(p->exec, value);
	} else if (IS("boot", "on_failure")) {
		if ((r = parse_enum(failure_action_names, FAILURE_ACTION_COUNT, value, &v, f)) < 0)
			return r;
		p->on_failure = v;
	} else if (IS("boot", "device_timeout_ms")) {
		return parse_range(value, 1, 600000, &p->device_timeout_ms, f);
	} else if (IS("boot", "cmdline")) {
		if ((r = parse_enum(cmdline_trust_names, CMDLINE_TRUST_COUNT, value, &v, f)) < 0)
			return r;
		p->cmdline = v;
	} else if (IS("boot", "pid1")) {
		if ((r = parse_enum(pid1_mode_names, PID1_MODE_COUNT, value, &v, f)) < 0)
			return r;
		p->pid1 = v;
	} else if (IS("boot", "on_exit")) {
		if ((r = parse_enum(exit_action_names, EXIT_ACTION_COUNT, value, &v, f)) < 0)
			return r;
		p->on_exit = v;
	} else if (IS("boot", "restart_limit")) {
		return parse_range(value, 1, 100, &p->restart_limit, f);
	} else if (IS("boot", "restart_window_s")) {
		return parse_range(value, 1, 3600, &p->restart_window_s, f);
	} else if (IS("boot", "shutdown_grace_ms")) {
		return parse_range(value, 0, 600000, &p->shutdown_grace_ms, f);
	} else if (IS("boot", "health_check")) {
		if (!path_is_clean(value))
			return fault_set(f, EINVAL, "'%s' is not a clean absolute path", value);
		strcpy(p->health_check, value);
	} else if (IS("boot", "health_timeout_s")) {
		return parse_range(value, 1, 3600, &p->health_timeout_s, f);
	} else if (IS("slots", "default")) {
		if ((r = parse_enum(slot_choice_names, SLOT_CHOICE_COUNT, value, &v, f)) < 0)
			return r;
		p->slot = v;
	} else if (IS("slots", "label_a") || IS("slots", "label_b")) {
		if (!label_is_valid(value))
			return fault_set(f, EINVAL, "'%s' is not a partition label (1..%d printable characters)",
					 value, POLICY_LABEL_MAX);
		strcpy(key[6] == 'a' ? p->label_a : p->label_b, value);
	} else if (IS("slots", "boot_tries") || IS("slots", "min_version")) {
		uint64_t number;
		if (decimal_parse(value, key[0] == 'b' ? 1 : 0, key[0] == 'b' ? 15 : UINT64_MAX, &number) < 0)
			return fault_set(f, EINVAL, "expected %s, got '%s'", key[0] == 'b' ? "1..15" : "a version number", value);
		if (key[0] == 'b')
			p->boot_tries = (unsigned)number;
		else
			p->min_version = number;
	} else if (IS("verity", "mode")) {
		if ((r = parse_enum(verity_mode_names, VERITY_MODE_COUNT, value, &v, f)) < 0)
			return r;
		p->verity = v;
	} else if (IS("verity", "on_corruption")) {
		if ((r = parse_enum(corruption_action_names, CORRUPTION_ACTION_COUNT, value, &v, f)) < 0)
			return r;
		p->on_corruption = v;
	} else if (IS("verity", "keys")) {
		if (!path_is_clean(value))
			return fault_set(f, EINVAL, "'%s' is not a clean absolute path", value);
		strcpy(p->keys_dir, value);
	} else if (IS("mounts", "data_label") || IS("mounts", "logs_label")) {
		if (!label_is_valid(value))
			return fault_set(f, EINVAL, "'%s' is not a partition label (1..%d printable characters)",
					 value, POLICY_LABEL_MAX);
		strcpy(key[0] == 'd' ? p->data_label : p->logs_label, value);
	} else if (IS("mounts", "overlays")) {
		return parse_path_list(value, &p->overlays, f);
	} else if (IS("mounts", "binds")) {
		return parse_path_list(value, &p->binds, f);
	} else if (IS("mounts", "format_blank")) {
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return fault_set(f, EINVAL, "expected yes | no, got '%s'", value);
		p->format_blank = strcmp(value, "yes") == 0;
	} else if (IS("mounts", "root_ro")) {
		if ((r = parse_enum(root_ro_names, ROOT_RO_COUNT, value, &v, f)) < 0)
			return r;
		p->root_ro = v;
	} else if (IS("data", "protection")) {
		if (strcmp(value, "none") && strcmp(value, "tpm"))
			return fault_set(f, EINVAL, "expected none | tpm, got '%s'", value);
		p->data_protection = strcmp(value, "tpm") == 0 ? DATA_PROTECTION_TPM : DATA_PROTECTION_NONE;
	} else if (IS("data", "integrity")) {
		if (strcmp(value, "none") && strcmp(value, "hmac-sha256"))
			return fault_set(f, EINVAL, "expected none | hmac-sha256, got '%s'", value);
		p->data_integrity = strcmp(value, "none") ? DATA_INTEGRITY_HMAC_SHA256 : DATA_INTEGRITY_NONE;
	} else if (IS("data", "migrate")) {
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return fault_set(f, EINVAL, "expected yes | no, got '%s'", value);
		p->data_migrate = strcmp(value, "yes") == 0;
	} else if (strcmp(section, "firewall") == 0) {
		struct firewall_settings *fw = &p->firewall;
		if (fw->n == FIREWALL_KEYS_MAX || strlen(key) >= sizeof(fw->keys[0]) || strlen(value) >= sizeof(fw->values[0]))
			return fault_set(f, EINVAL, "too many or too long [firewall] entries");
		strcpy(fw->keys[fw->n], key);
		strcpy(fw->values[fw->n], value);
		fw->n++;
	} else if (strcmp(section, "lockdown") == 0 || strcmp(section, "sysctl") == 0) {
		struct lockdown_settings *ld = &p->lockdown;
		if (ld->n == LOCKDOWN_KEYS_MAX || strlen(key) >= sizeof(ld->keys[0]) || strlen(value) >= sizeof(ld->values[0]))
			return fault_set(f, EINVAL, "too many or too long [%s] entries", section);
		strcpy(ld->section[ld->n], section);
		strcpy(ld->keys[ld->n], key);
		strcpy(ld->values[ld->n], value);
		ld->n++;
	} else if (IS("modules", "storage")) {
		return parse_module_list(value, &p->storage_modules, f);
	} else if (IS("modules", "load")) {
		return parse_module_list(value, &p->extra_modules, f);
	} else {
		return fault_set(f, EINVAL, "unknown key");
	}
#undef IS
	return 0;
}

/* libinih handler: returns 1 to go on, 0 on the first error (libinih then reports
 * that line's number). Later lines are still read but not applied. */
static int policy_ini_handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *st = user;
	struct fault why;

	if (st->failed)
		return 1;
	if (policy_set_key(st->policy, section, key, value, &why) < 0) {
		fault_set(st->fault, EINVAL, "[%s] %s: %s", section, key, why.text);
		st->failed = true;
		return 0;
	}
	return 1;
}

int policy_parse_text(const char *text, const char *origin, struct policy *p, struct fault *f)
{
	struct fault inner = { "" };
	struct parse_state st = { .policy = p, .fault = &inner };
	int line = ini_parse_string(text, policy_ini_handler, &st);

	if (line == 0)
		return 0;
	if (!st.failed)
		return fault_set(f, EINVAL, "%s:%d: syntax error", origin, line);
	return fault_set(f, EINVAL, "%s:%d: %s", origin, line, inner.text);
}

int policy_parse_file(const char *path, struct policy *p, struct fault *f)
{
	char text[65536];
	size_t n;
	FILE *file = fopen(path, "re");

	if (!file)
		return fault_set(f, errno, "unable to open %s: %s", path, strerror(errno));
	n = fread(text, 1, sizeof(text) - 1, file);
	if (ferror(file) || !feof(file)) {
		int err = ferror(file) ? EIO : EFBIG;
		fclose(file);
		return fault_set(f, err, "unable to read %s: %s", path, strerror(err));
	}
	fclose(file);
	text[n] = '\0';
	if (strlen(text) != n)
		return fault_set(f, EINVAL, "%s: contains a NUL byte", path);
	return policy_parse_text(text, path, p, f);
}

/* Finds the one value of key on the command line. Returns 1 and sets *ret if
 * present, 0 if absent, -EINVAL if given twice with different values. */
static int cmdline_lookup(const struct cmdline *c, const char *key, const char **ret,
			  struct fault *f)
{
	const char *found = NULL;
	bool seen = false;

	for (size_t i = 0; i < c->n_words; i++) {
		const char *v = c->words[i].value ? c->words[i].value : "";
		if (strcmp(c->words[i].key, key) != 0)
			continue;
		if (seen && strcmp(found, v) != 0)
			return fault_set(f, EINVAL, "%s is given twice with different values ('%s', '%s')",
					 key, found, v);
		found = v;
		seen = true;
	}
	if (seen)
		*ret = found;
	return seen;
}

static void note_ignored(struct boot_cmdline *ret, const char *key, const char *value)
{
	if (ret->n_ignored < sizeof(ret->ignored) / sizeof(ret->ignored[0]))
		snprintf(ret->ignored[ret->n_ignored++], sizeof(ret->ignored[0]), "%s=%s", key, value);
}

static const char *const known_keys[] = {
	"hardinit.slot", "hardinit.verity", "hardinit.exec", "hardinit.debug", "hardinit.ssh", NULL,
};

int policy_apply_cmdline(struct policy *p, const struct cmdline *c, struct boot_cmdline *ret,
			 struct fault *f)
{
	const char *v;
	int r, i;

	memset(ret, 0, sizeof(*ret));
	for (size_t w = 0; w < c->n_words; w++) {
		const char *key = c->words[w].key;
		bool known = false;
		if (strncmp(key, "hardinit.", 9) != 0)
			continue;
		for (const char *const *k = known_keys; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known && ret->n_unknown < sizeof(ret->unknown) / sizeof(ret->unknown[0]))
			snprintf(ret->unknown[ret->n_unknown++], sizeof(ret->unknown[0]), "%s", key);
	}

	if ((r = cmdline_lookup(c, "hardinit.debug", &v, f)) < 0)
		return r;
	ret->debug = r > 0;

	/* The bootloader chose the slot: honoured as given. */
	if ((r = cmdline_lookup(c, "hardinit.slot", &v, f)) < 0)
		return r;
	if (r > 0) {
		if ((i = name_lookup(slot_choice_names, SLOT_CHOICE_COUNT, v)) < 0)
			return fault_set(f, EINVAL, "hardinit.slot: expected auto | a | b, got '%s'", v);
		p->slot = i;
	}

	/* roothash= pins the root: the cmdline is part of the signed boot chain. */
	if ((r = cmdline_lookup(c, "roothash", &v, f)) < 0)
		return r;
	if (r > 0) {
		int n = hex_decode(v, ret->root_hash, sizeof(ret->root_hash));
		if (n != 32 && n != 64)
			return fault_set(f, EINVAL, "roothash: expected 64 or 128 hex digits, got '%.140s'", v);
		ret->root_hash_size = n;
		ret->has_root_hash = true;
	}

	if ((r = cmdline_lookup(c, "hardinit.verity", &v, f)) < 0)
		return r;
	if (r > 0) {
		if ((i = name_lookup(verity_mode_names, VERITY_MODE_COUNT, v)) < 0)
			return fault_set(f, EINVAL, "hardinit.verity: expected required | optional | off, got '%s'", v);
		if ((enum verity_mode)i >= p->verity || p->cmdline == CMDLINE_TRUST)
			p->verity = i;
		else
			note_ignored(ret, "hardinit.verity", v);
	}

	/* hardinit.ssh=vsock closes TCP 22: a tightening, always honoured. */
	if ((r = cmdline_lookup(c, "hardinit.ssh", &v, f)) < 0)
		return r;
	if (r > 0) {
		if (strcmp(v, "vsock") == 0)
			ret->ssh_vsock = true;
		else if (strcmp(v, "tcp") != 0)
			return fault_set(f, EINVAL, "hardinit.ssh: expected tcp | vsock, got '%s'", v);
		else
			note_ignored(ret, "hardinit.ssh", v);
	}

	if ((r = cmdline_lookup(c, "hardinit.exec", &v, f)) < 0)
		return r;
	if (r > 0) {
		if (!path_is_clean(v))
			return fault_set(f, EINVAL, "hardinit.exec: '%.100s' is not a clean absolute path", v);
		if (p->cmdline == CMDLINE_TRUST)
			strcpy(p->exec, v);
		else if (strcmp(p->exec, v) != 0)
			note_ignored(ret, "hardinit.exec", v);
	}
	return 0;
}
