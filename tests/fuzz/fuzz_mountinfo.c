/* Fuzz target: the two readers of /proc/self/mountinfo. The mount audit (libmount) after
 * setup compares every mount with what the plan expects; the shutdown plan of the
 * supervisor that stays PID 1 (shutdown_plan_parse, libc alone: mountinfo_read.c) orders
 * the mounts to take down. Mount points and options come from paths an unprivileged
 * user or a partition's contents can shape.
 * Input: mountinfo text, audited against the default policy's expectations, then
 * planned for a shutdown. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "init/policy.h"
#include "mounts/mounts_audit.h"
#include "supervise/supervise_plan.h"
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

/* The shutdown plan: on success at most one entry a line, none for / or an API
 * filesystem (/proc, /sys, /dev, /run and below), every target absolute; on failure an
 * empty plan. */
static bool api_path(const char *t)
{
	static const char *const kept[] = { "/proc", "/sys", "/dev", "/run" };

	for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++) {
		size_t n = strlen(kept[k]);
		if (strncmp(t, kept[k], n) == 0 && (t[n] == '\0' || t[n] == '/'))
			return true;
	}
	return strcmp(t, "/") == 0;
}

static void shutdown_fuzz(const uint8_t *data, size_t size)
{
	struct shutdown_plan plan;
	struct fault f;
	char *text = fuzz_text(data, size);
	size_t lines = 1;

	if (!text)
		return;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (shutdown_plan_parse(text, size, &plan, &f) == 0) {
		if (plan.n > lines)
			abort();
		for (size_t i = 0; i < plan.n; i++)
			if (plan.mounts[i].target[0] != '/' || api_path(plan.mounts[i].target))
				abort();
		shutdown_plan_free(&plan);
	} else if (plan.n != 0) {
		abort();
	}
	free(text);
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
	shutdown_fuzz(data, size);
	return 0;
}
