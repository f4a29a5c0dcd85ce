#include <errno.h>
#include <stdio.h>

#include "slots/slot_state.h"

#define PRIORITY_SHIFT 48
#define TRIES_SHIFT 52
#define SUCCESSFUL_BIT 56

void slot_attrs_decode(uint64_t gpt_attrs, struct slot_attrs *ret)
{
	ret->priority = (unsigned)(gpt_attrs >> PRIORITY_SHIFT) & 0xf;
	ret->tries = (unsigned)(gpt_attrs >> TRIES_SHIFT) & 0xf;
	ret->successful = (gpt_attrs >> SUCCESSFUL_BIT) & 1;
}

uint64_t slot_attrs_encode(uint64_t gpt_attrs, const struct slot_attrs *a)
{
	uint64_t mask = (UINT64_C(0xf) << PRIORITY_SHIFT) | (UINT64_C(0xf) << TRIES_SHIFT) |
			(UINT64_C(1) << SUCCESSFUL_BIT);

	return (gpt_attrs & ~mask) | ((uint64_t)(a->priority & 0xf) << PRIORITY_SHIFT) |
	       ((uint64_t)(a->tries & 0xf) << TRIES_SHIFT) | ((uint64_t)(a->successful ? 1 : 0) << SUCCESSFUL_BIT);
}

bool slot_bootable(const struct slot_attrs *a)
{
	return a->priority > 0 && (a->successful || a->tries > 0);
}

struct slot_attrs slot_unbootable(void)
{
	return (struct slot_attrs){ .priority = 0, .tries = 0, .successful = false };
}

int slot_choose(const struct slot_attrs cur[2], const bool present[2], enum slot_choice choice,
		unsigned boot_tries, struct slot_decision *ret, struct fault *f)
{
	int best = -1;

	if (choice == SLOT_A || choice == SLOT_B) {
		int s = choice == SLOT_A ? 0 : 1;
		if (!present[s])
			return fault_set(f, ENOENT, "the bootloader chose slot %c, which has no partition", 'a' + s);
		*ret = (struct slot_decision){ .slot = s, .before = cur[s], .after = cur[s], .persist = false,
					       .why = "chosen by the bootloader" };
		return 0;
	}
	for (int s = 0; s < 2; s++)
		if (present[s] && slot_bootable(&cur[s]) && (best < 0 || cur[s].priority > cur[best].priority))
			best = s;
	if (best < 0)
		return fault_set(f, ENOENT, "no bootable slot (a: %s; b: %s)",
				 present[0] ? slot_describe(&cur[0]) : "no partition",
				 present[1] ? slot_describe(&cur[1]) : "no partition");
	ret->slot = best;
	ret->before = cur[best];
	ret->after = cur[best];
	if (cur[best].successful) {
		ret->after.successful = false;
		ret->after.tries = boot_tries > 0 ? boot_tries - 1 : 0;
		ret->why = "highest priority, good: this boot is a trial until marked good";
	} else {
		ret->after.tries = cur[best].tries - 1;
		ret->why = "highest priority, in trial";
	}
	ret->persist = true;
	return 0;
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
