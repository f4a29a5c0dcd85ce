#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "init/boot.h"

/* Fakes for the two seams: a step executor that records and injects errors, and a
 * failure handler that records instead of rebooting. */
static enum step_kind applied[BOOT_STEPS_MAX];
static size_t n_applied;
static size_t fail_at;   /* index of the step that fails */
static int fail_with;
static struct boot_plan plan;
static const char *failed_step;
static char failed_reason[320];

static int fake_apply(const struct boot_step *step, struct boot_state *st, struct fault *f)
{
	(void)st;
	applied[n_applied++] = step->kind;
	if (step == &plan.steps[fail_at])
		return fault_set(f, fail_with, "injected");
	return 0;
}

static void fake_fail(const struct boot_state *st, const struct boot_step *step, int err, const struct fault *f)
{
	(void)st;
	(void)err;
	failed_step = step->name;
	strcpy(failed_reason, f->text);
}

static const struct boot_ops fakes = { fake_apply, fake_fail };
static struct boot_state st;

static void setup(void)
{
	struct policy p;
	struct boot_cmdline bc = { .debug = false };

	policy_set_defaults(&p);
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, NULL), 0);
	memset(&st, 0, sizeof(st));
	st.plan = &plan;
	clock_gettime(CLOCK_MONOTONIC, &st.start);
	n_applied = 0;
	fail_at = BOOT_STEPS_MAX;
	failed_step = NULL;
}

TestSuite(boot_run, .init = setup);

/* Every step runs, in plan order, when none fails. */
Test(boot_run, runs_every_step_in_order)
{
	cr_assert_eq(boot_run(&st, &fakes), 0);
	cr_assert_eq(n_applied, plan.n_steps);
	for (size_t i = 0; i < plan.n_steps; i++)
		cr_assert_eq(applied[i], plan.steps[i].kind);
	cr_assert_null(failed_step);
}

/* A fatal step that fails goes to the failure handler with its name; nothing after it runs. */
Test(boot_run, fatal_failure_stops_and_reports)
{
	for (fail_at = 0; plan.steps[fail_at].kind != STEP_OPEN_VERITY; fail_at++)
		;
	fail_with = EKEYREJECTED;
	cr_assert_eq(boot_run(&st, &fakes), -EKEYREJECTED);
	cr_assert_str_eq(failed_step, "open-verity");
	cr_assert_str_eq(failed_reason, "injected");
	cr_assert_eq(applied[n_applied - 1], STEP_OPEN_VERITY);
	for (size_t i = 0; i < n_applied; i++)
		cr_assert_neq(applied[i], STEP_MOUNT_ROOT);
}

/* A non-fatal step that fails is a warning; the boot goes on. */
Test(boot_run, non_fatal_failure_continues)
{
	plan.steps[0].fatal = false;
	fail_at = 0;
	fail_with = ENOENT;
	cr_assert_eq(boot_run(&st, &fakes), 0);
	cr_assert_null(failed_step);
	cr_assert_eq(n_applied, plan.n_steps);
}
