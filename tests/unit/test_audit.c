#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <string.h>

#include "init/policy.h"
#include "mounts/mounts_audit.h"

struct audit_case {
	char fixture[48];
	int result;          /* mounts checked, or -EPERM */
	char reason[64];     /* expected in the fault */
};

ParameterizedTestParameters(audit, fixtures)
{
	static struct audit_case cases[] = {
		{ "fixtures/mountinfo-good", 14, "" },
		{ "fixtures/mountinfo-missing-flag", -EPERM, "/tmp is mounted rw,nosuid,relatime, expected nosuid,nodev" },
		{ "fixtures/mountinfo-extra-rw", -EPERM, "unexpected mount on /run/hardinit/data (ext4)" },
		{ "fixtures/mountinfo-unknown", -EPERM, "unexpected mount on /usr (tmpfs)" },
		{ "fixtures/mountinfo-rw-root", -EPERM, "/ is mounted read-write" },
		{ "fixtures/mountinfo-stacked", -EPERM, "a second mount on /etc" },
		{ "fixtures/mountinfo-missing-mount", -EPERM, "/var/.eflow is not mounted" },
		{ "fixtures/mountinfo-wrong-type", -EPERM, "/root is tmpfs, expected overlay" },
	};
	return cr_make_param_array(struct audit_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The audit accepts exactly the expected mount table and names the first mismatch. */
ParameterizedTest(struct audit_case *c, audit, fixtures)
{
	struct policy p;
	struct state_plan plan;
	struct audit_table table;
	struct fault f = { "" };

	policy_set_defaults(&p);
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &plan, &f), 0);
	mounts_audit_expect(&plan, &table);
	cr_assert_eq(mounts_audit_file(c->fixture, &table, &f), c->result, "%s: %s", c->fixture, f.text);
	cr_assert(strstr(f.text, c->reason), "%s: got '%s', want '%s'", c->fixture, f.text, c->reason);
}

/* A missing file is an error, not a pass. */
Test(audit, unreadable)
{
	struct policy p;
	struct state_plan plan;
	struct audit_table table;
	struct fault f;

	policy_set_defaults(&p);
	state_plan_build(&p.overlays, &p.binds, &plan, &f);
	mounts_audit_expect(&plan, &table);
	cr_assert_lt(mounts_audit_file("fixtures/nonexistent", &table, &f), 0);
}

/* Binds from the policy are expected too, with nosuid,nodev. */
Test(audit, binds_expected)
{
	struct policy p;
	struct state_plan plan;
	struct audit_table table;
	struct fault f;
	bool found = false;

	policy_set_defaults(&p);
	strcpy(p.binds.paths[0], "/var/lib/containerd");
	p.binds.n = 1;
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &plan, &f), 0);
	mounts_audit_expect(&plan, &table);
	for (size_t i = 0; i < table.n; i++)
		if (strcmp(table.entries[i].target, "/var/lib/containerd") == 0)
			found = strcmp(table.entries[i].options, "nosuid,nodev") == 0;
	cr_assert(found);
}
