#include "slots/slot_rule.h"

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
	uint64_t mask = ((uint64_t)0xf << PRIORITY_SHIFT) | ((uint64_t)0xf << TRIES_SHIFT) |
			((uint64_t)1 << SUCCESSFUL_BIT);

	return (gpt_attrs & ~mask) | ((uint64_t)(a->priority & 0xf) << PRIORITY_SHIFT) |
	       ((uint64_t)(a->tries & 0xf) << TRIES_SHIFT) | ((uint64_t)(a->successful ? 1 : 0) << SUCCESSFUL_BIT);
}

bool slot_bootable(const struct slot_attrs *a)
{
	return a->priority > 0 && (a->successful || a->tries > 0);
}

struct slot_attrs slot_unbootable(void)
{
	struct slot_attrs a = { 0, 0, false };
	return a;
}

int slot_rule_choose(const struct slot_attrs cur[2], const bool present[2], unsigned boot_tries,
		     struct slot_rule_result *ret)
{
	int best = -1;

	for (int s = 0; s < 2; s++)
		if (present[s] && slot_bootable(&cur[s]) && (best < 0 || cur[s].priority > cur[best].priority))
			best = s;
	if (best < 0)
		return -1;
	ret->slot = best;
	ret->before = cur[best];
	ret->after = cur[best];
	if (cur[best].successful) {
		ret->after.successful = false;
		ret->after.tries = boot_tries > 0 ? boot_tries - 1 : 0;
		ret->why = SLOT_RULE_GOOD_TRIAL;
	} else {
		ret->after.tries = cur[best].tries - 1;
		ret->why = SLOT_RULE_IN_TRIAL;
	}
	return 0;
}

bool slot_rule_outcome(const struct slot_attrs *cur, enum slot_outcome o, struct slot_attrs *ret)
{
	switch (o) {
	case SLOT_OUTCOME_GOOD:
		if (cur->priority == 0)
			return false;
		*ret = *cur;
		ret->successful = true;
		ret->tries = 0;
		return true;
	case SLOT_OUTCOME_CONDEMNED:
		*ret = slot_unbootable();
		return true;
	case SLOT_OUTCOME_FAILED:
		break;
	}
	return false;
}
