/* hardinit: PID 1 of a hardened appliance. As PID 1 it boots the verified root
 * (docs/architecture.md); on a dev host it prints the boot plan for given inputs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "common/log.h"
#include "common/textfile.h"
#include "init/boot.h"
#include "init/failure.h"
#include "init/plan.h"
#include "init/policy.h"
#include "mounts/mounts_apply.h"

/* The policy: inside the initramfs, or on the root in init= mode (docs/modes.md). */
static const char *const policy_paths[] = {
	[BOOT_MODE_INITRAMFS] = "/etc/hardinit/policy.conf",
	[BOOT_MODE_INIT] = "/usr/lib/hardinit/policy.conf",
};

/* Which mode this boot is in: an initramfs's /init runs with a ramfs or tmpfs root;
 * any other root was mounted by a distro initramfs that ran us as init=. */
static enum boot_mode detect_mode(void)
{
	struct statfs sf;

	if (statfs("/", &sf) < 0)
		return BOOT_MODE_INITRAMFS; /* the stricter mode: it trusts no mounted root */
	return plan_mode_from_fstype((unsigned long)sf.f_type);
}

/* Reads the command line and the policy into a plan. Returns 0, or -errno with the
 * failing input's name in *ret_step. */
static int plan_from_inputs(const char *cmdline_text, const char *policy_path, bool policy_optional,
			    enum boot_mode mode, struct policy *policy, struct boot_cmdline *bc, struct boot_plan *plan,
			    bool *ret_no_policy, const char **ret_step, struct fault *f)
{
	static struct cmdline words;
	int r;

	policy_set_defaults(policy);
	*ret_step = "policy";
	r = policy_parse_file(policy_path, policy, f);
	*ret_no_policy = r == -ENOENT && policy_optional;
	if (r < 0 && !*ret_no_policy)
		return r;
	*ret_step = "cmdline";
	if ((r = cmdline_split(cmdline_text, &words, f)) < 0)
		return r;
	if ((r = policy_apply_cmdline(policy, &words, bc, f)) < 0)
		return r;
	*ret_step = "plan";
	return plan_build(policy, bc, mode, plan, f);
}

static void warn_cmdline(const struct boot_cmdline *bc)
{
	for (size_t i = 0; i < bc->n_unknown; i++)
		log_warning("unknown command line key %s ignored, continuing", bc->unknown[i]);
	for (size_t i = 0; i < bc->n_ignored; i++)
		log_warning("%s ignored: the policy does not let the command line loosen it, continuing",
			    bc->ignored[i]);
}

/* PID 1: early mounts, inputs, plan, apply. Never returns. */
static void __attribute__((noreturn)) boot(const struct timespec *start)
{
	static struct policy policy;
	static struct boot_cmdline bc;
	static struct boot_plan plan;
	static struct boot_state st;
	static char cmdline_text[CMDLINE_MAX + 2];
	static const struct boot_ops ops = { boot_apply_step, boot_fail };
	struct fault f = { "" };
	const char *step = "early";
	enum boot_mode mode = detect_mode();
	bool no_policy;
	int r;

	st.start = *start;
	st.plan = &plan;
	st.verity_state = "none";
	st.logs_fd = -1;
	st.firewall_state = "none";
	st.exec = st.health = PROGRAM_NONE;
	if ((r = mounts_apply_table(mounts_early, mounts_early_count, &f)) < 0)
		failure_act(FAILURE_REBOOT, "early", f.text);
	(void)textfile_write("/proc/sys/kernel/printk_devkmsg", "on"); /* else our lines may be dropped */
	if (log_open_kmsg() < 0)
		log_warning("unable to open /dev/kmsg, continuing on the console");
	clearenv();
	(void)textfile_write("/proc/sys/fs/protected_symlinks", "1");
	(void)textfile_write("/proc/sys/fs/protected_hardlinks", "1");
	(void)textfile_write("/proc/sys/fs/protected_fifos", "2");
	(void)textfile_write("/proc/sys/fs/protected_regular", "2");
	log_info("hardinit %s starting (%s mode)", HARDINIT_VERSION, mode == BOOT_MODE_INIT ? "init=" : "initramfs");

	if ((r = textfile_read("/proc/cmdline", cmdline_text, sizeof(cmdline_text))) < 0)
		failure_act(FAILURE_REBOOT, "cmdline", "unable to read /proc/cmdline");
	cmdline_text[strcspn(cmdline_text, "\n")] = '\0';
	r = plan_from_inputs(cmdline_text, policy_paths[mode], true, mode, &policy, &bc, &plan, &no_policy, &step, &f);
	if (r < 0)
		failure_act(policy.on_failure, step, f.text);
	log_set_debug(bc.debug);
	if (no_policy)
		log_notice("no policy file at %s: using the defaults", policy_paths[mode]);
	warn_cmdline(&bc);

	(void)boot_run(&st, &ops);
	/* Only a non-fatal last step could get here; the exec step never returns on success. */
	failure_act(plan.on_failure, "exec", "the boot plan ended without starting the service tree");
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hardinit                      (as PID 1: boot)\n"
		"       hardinit --print-plan [--cmdline TEXT] [--policy FILE] [--devices FILE] [--mode initramfs|init]\n"
		"       hardinit --print-ruleset [--cmdline TEXT] [--policy FILE]\n"
		"       hardinit --version\n");
}

/* Dev host: prints the plan (or, with ruleset, the firewall ruleset) the given inputs
 * make. Returns the exit status. */
static int print_plan(const char *cmdline_text, const char *policy_path, const char *devices_path,
		      enum boot_mode mode, bool ruleset)
{
	static struct policy policy;
	static struct boot_cmdline bc;
	static struct boot_plan plan;
	static char devices_text[16384];
	static struct device_list devices;
	struct fault f = { "" };
	const char *step = "plan";
	bool no_policy;
	int r;

	/* Without --policy: the defaults, as a boot with no policy file in the initramfs. */
	r = plan_from_inputs(cmdline_text, policy_path ? policy_path : "/nonexistent/policy.conf",
			     !policy_path, mode, &policy, &bc, &plan, &no_policy, &step, &f);
	if (r < 0) {
		fprintf(stderr, "hardinit: unable to plan the boot: %s: %s\n", step, f.text);
		return 1;
	}
	warn_cmdline(&bc);
	if (ruleset) {
		char *text = plan.firewall_ok ? firewall_plan_render(&plan.firewall) : NULL;
		if (!plan.firewall_ok)
			fprintf(stderr, "hardinit: the firewall settings are bad (%s): the boot loads this fallback\n",
				plan.firewall_error);
		fputs(text ? text : firewall_deny_all, stdout);
		free(text);
		return 0;
	}
	if (devices_path) {
		if ((r = textfile_read(devices_path, devices_text, sizeof(devices_text))) < 0) {
			fprintf(stderr, "hardinit: unable to read %s: %s\n", devices_path, strerror(-r));
			return 1;
		}
		if ((r = devices_parse_text(devices_text, &devices, &f)) < 0 ||
		    (r = plan_resolve_devices(&plan, &devices, &f)) < 0) {
			fprintf(stderr, "hardinit: unable to plan the boot: partitions: %s\n", f.text);
			return 1;
		}
	}
	plan_print(&plan, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "print-plan", no_argument, NULL, 'p' },
		{ "print-ruleset", no_argument, NULL, 'r' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'P' },
		{ "devices", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct timespec start;
	const char *cmdline_text = "", *policy_path = NULL, *devices_path = NULL;
	enum boot_mode mode = BOOT_MODE_INITRAMFS;
	bool want_plan = false, want_ruleset = false;
	int c;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (getpid() == 1)
		boot(&start);

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'p': want_plan = true; break;
		case 'r': want_ruleset = true; break;
		case 'c': cmdline_text = optarg; break;
		case 'P': policy_path = optarg; break;
		case 'd': devices_path = optarg; break;
		case 'm':
			if (strcmp(optarg, "init") && strcmp(optarg, "initramfs")) {
				usage(stderr);
				return 2;
			}
			mode = strcmp(optarg, "init") == 0 ? BOOT_MODE_INIT : BOOT_MODE_INITRAMFS;
			break;
		case 'V': printf("hardinit %s\n", HARDINIT_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (want_plan == want_ruleset || optind != argc) {
		usage(stderr);
		return 2;
	}
	return print_plan(cmdline_text, policy_path, devices_path, mode, want_ruleset);
}
