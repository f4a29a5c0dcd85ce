/* Fuzz target: the policy file (INI, libinih) and what is built from it: the boot plan
 * in both modes, the firewall ruleset text, the lockdown plan and its seccomp filter.
 * The policy is built into the initramfs by the appliance's maker, but a mistake there
 * must give an error naming the line, never a crash or an out-of-bounds plan.
 * Input: the policy text. */
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "init/plan.h"
#include "init/policy.h"
#include "tests/fuzz/fuzz.h"

/* Builds and renders what the boot would from a parsed policy. */
static void build_from(const struct policy *p)
{
	static struct boot_plan plan;
	struct boot_cmdline c = { 0 };
	struct firewall_plan fw;
	struct lockdown_plan ld;
	struct fault f;
	void *filter;

	for (int mode = BOOT_MODE_INITRAMFS; mode <= BOOT_MODE_INIT; mode++)
		(void)plan_build(p, &c, (enum boot_mode)mode, &plan, &f);
	if (firewall_plan_build(&p->firewall, false, &fw, &f) == 0) {
		char *text = firewall_plan_render(&fw);
		if (text && !strstr(text, "hook input priority filter; policy drop;"))
			abort(); /* inbound must default to drop, whatever the policy says */
		free(text);
	}
	(void)firewall_settings_want_vsock(&p->firewall, false);
	if (lockdown_plan_build(&p->lockdown, &ld, &f) == 0 && lockdown_plan_seccomp(&ld, &filter, &f) == 0) {
		free(lockdown_plan_seccomp_pfc(filter));
		seccomp_release(filter);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	struct fault f;
	char *text = fuzz_text(data, size);

	if (!text)
		return 0;
	policy_set_defaults(&p);
	if (policy_parse_text(text, "fuzz", &p, &f) == 0)
		build_from(&p);
	free(text);
	return 0;
}
