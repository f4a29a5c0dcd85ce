/* Fuzz target: the mount audit, which reads /proc/self/mountinfo (libmount) after setup
 * and compares every mount with what the plan expects. Mount points and options come
 * from paths an unprivileged user or a partition's contents can shape.
 * Input: mountinfo text, audited against the default policy's expectations. */
#include <stdio.h>
#include <stdlib.h>

#include "init/policy.h"
#include "mounts/mounts_audit.h"
#include "tests/fuzz/fuzz.h"

static struct audit_table table;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct policy p;
	static struct state_plan plan;
	struct fault f;

	policy_set_defaults(&p);
	if (state_plan_build(&p.overlays, &p.binds, &plan, &f) < 0)
		abort();
	mounts_audit_expect(&plan, &table);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fault f;
	FILE *in;
	int r;

	if (size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	r = mounts_audit_stream(in, "mountinfo", &table, &f);
	fclose(in);
	if (r >= 0 && (size_t)r != table.n)
		abort(); /* a pass means each expected mount once, and nothing else */
	return 0;
}
