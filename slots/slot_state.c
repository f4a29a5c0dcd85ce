#include <errno.h>
#include <stdio.h>

#include "slots/slot_state.h"

int slot_choose(const struct slot_attrs cur[2], const bool present[2], enum slot_choice choice,
		unsigned boot_tries, struct slot_decision *ret, struct fault *f)
{
	struct slot_rule_result r;

	if (choice == SLOT_A || choice == SLOT_B) {
		int s = choice == SLOT_A ? 0 : 1;
		if (!present[s])
			return fault_set(f, ENOENT, "the bootloader chose slot %c, which has no partition", 'a' + s);
		*ret = (struct slot_decision){ .slot = s, .before = cur[s], .after = cur[s], .persist = false,
					       .why = "chosen by the bootloader" };
		return 0;
	}
	if (slot_rule_choose(cur, present, boot_tries, &r) < 0)
		return fault_set(f, ENOENT, "no bootable slot (a: %s; b: %s)",
				 present[0] ? slot_describe(&cur[0]) : "no partition",
				 present[1] ? slot_describe(&cur[1]) : "no partition");
	ret->slot = r.slot;
	ret->before = r.before;
	ret->after = r.after;
	ret->why = r.why == SLOT_RULE_GOOD_TRIAL ? "highest priority, good: this boot is a trial until marked good"
						  : "highest priority, in trial";
	ret->persist = true;
	return 0;
}

void slot_make_first(const struct slot_attrs cur[2], int t, bool trial, unsigned boot_tries,
		     struct slot_attrs ret[2], bool write[2])
{
	ret[0] = cur[0];
	ret[1] = cur[1];
	write[1 - t] = false;
	write[t] = true;
	if (ret[1 - t].priority >= SLOT_PRIORITY_MAX) {
		ret[1 - t].priority = SLOT_PRIORITY_MAX - 1;
		write[1 - t] = true;
	}
	ret[t].priority = ret[1 - t].priority + 1;
	if (trial || !slot_bootable(&cur[t])) {   /* as it is: priority 0 too */
		ret[t].successful = false;
		ret[t].tries = boot_tries;
	}
}

const char *slot_describe(const struct slot_attrs *a)
{
	static char text[4][80];
	static unsigned next;
	char *t = text[next++ % 4];

	if (a->priority == 0)
		snprintf(t, sizeof(text[0]), "unbootable (priority 0)");
	else if (a->successful)
		snprintf(t, sizeof(text[0]), "good (priority %u)", a->priority);
	else if (a->tries > 0)
		snprintf(t, sizeof(text[0]), "trial, %u boot%s left (priority %u)", a->tries, a->tries == 1 ? "" : "s", a->priority);
	else
		snprintf(t, sizeof(text[0]), "unbootable: tries exhausted before it was marked good (priority %u)", a->priority);
	return t;
}

int slot_check_version(uint64_t image, uint64_t running, uint64_t min_version, bool force, struct fault *f)
{
	if (image < min_version)
		return fault_set(f, EPERM, "version %llu is below the policy's minimum %llu: refused",
				 (unsigned long long)image, (unsigned long long)min_version);
	if (image < running && !force)
		return fault_set(f, EPERM, "version %llu is older than the running %llu: refused (rollback; --force to allow)",
				 (unsigned long long)image, (unsigned long long)running);
	return 0;
}
