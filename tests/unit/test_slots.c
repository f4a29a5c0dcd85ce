#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "slots/slot_state.h"

/* The reference model, written from the docs, independently of slot_state.c. */
static bool model_bootable(unsigned prio, unsigned tries, bool good)
{
	return prio > 0 && (good || tries > 0);
}

/* GPT attribute bits round-trip and other bits are kept. */
Test(slots, encode_decode)
{
	for (unsigned p = 0; p < 16; p++)
		for (unsigned t = 0; t < 16; t++)
			for (int g = 0; g < 2; g++) {
				struct slot_attrs a = { p, t, g }, back;
				uint64_t other = UINT64_C(0x8000000000000005); /* bit 63 and two low bits */
				uint64_t v = slot_attrs_encode(other, &a);
				slot_attrs_decode(v, &back);
				cr_assert_eq(back.priority, p);
				cr_assert_eq(back.tries, t);
				cr_assert_eq(back.successful, (bool)g);
				cr_assert_eq(v & ~(UINT64_C(0x1ff) << 48), other);
				cr_assert_eq(v, other | (uint64_t)p << 48 | (uint64_t)t << 52 | (uint64_t)g << 56);
			}
}

/* Every combination of priority, tries and successful for both slots, and every
 * presence: auto never picks an unbootable slot, picks the highest priority (a on a
 * tie), counts the boot, and finds none exactly when the model finds none. */
Test(slots, auto_choice_against_model, .timeout = 60)
{
	for (unsigned pa = 0; pa < 16; pa++) for (unsigned ta = 0; ta < 16; ta++) for (int ga = 0; ga < 2; ga++)
	for (unsigned pb = 0; pb < 16; pb++) for (unsigned tb = 0; tb < 16; tb++) for (int gb = 0; gb < 2; gb++)
	for (int presence = 1; presence < 4; presence++) {
		struct slot_attrs cur[2] = { { pa, ta, ga }, { pb, tb, gb } };
		bool present[2] = { presence & 1, presence & 2 };
		bool ba = present[0] && model_bootable(pa, ta, ga), bb = present[1] && model_bootable(pb, tb, gb);
		int want = ba && (!bb || pa >= pb) ? 0 : bb ? 1 : -1;
		struct slot_decision d;
		int r = slot_choose(cur, present, SLOT_AUTO, 3, &d, NULL);

		if (want < 0) {
			cr_assert_eq(r, -ENOENT);
			continue;
		}
		cr_assert_eq(r, 0);
		cr_assert_eq(d.slot, want, "a=%u/%u/%d b=%u/%u/%d", pa, ta, ga, pb, tb, gb);
		cr_assert(d.persist);
		cr_assert_not(d.after.successful);
		cr_assert_eq(d.after.priority, cur[want].priority);
		cr_assert_eq(d.after.tries, cur[want].successful ? 2u : cur[want].tries - 1);
	}
}

/* The bootloader's choice is honoured as it is, state untouched; a missing slot is not. */
Test(slots, bootloader_choice)
{
	struct slot_attrs cur[2] = { { 0, 0, 0 }, { 5, 1, 0 } };
	bool both[2] = { true, true }, only_b[2] = { false, true };
	struct slot_decision d;

	cr_assert_eq(slot_choose(cur, both, SLOT_A, 3, &d, NULL), 0);
	cr_assert_eq(d.slot, 0);
	cr_assert_not(d.persist);
	cr_assert_eq(slot_choose(cur, only_b, SLOT_A, 3, &d, NULL), -ENOENT);
	cr_assert_eq(slot_choose(cur, only_b, SLOT_B, 3, &d, NULL), 0);
	cr_assert_eq(d.slot, 1);
}

/* Boots without mark-good, persisting each decision: how many boots slot `first` gets
 * before the other one is chosen. */
static int boots_until_switch(struct slot_attrs cur[2], int first, unsigned boot_tries)
{
	bool present[2] = { true, true };
	struct slot_decision d;
	int boots = 0;

	while (slot_choose(cur, present, SLOT_AUTO, boot_tries, &d, NULL) == 0 && d.slot == first && boots < 100) {
		cur[d.slot] = d.after;
		boots++;
	}
	return boots;
}

/* An update in trial (tries N, above the good slot) gets exactly N boots, then the old
 * slot boots again. */
Test(slots, fallback_after_exactly_n_tries)
{
	for (unsigned n = 1; n <= 15; n++) {
		struct slot_attrs cur[2] = { { 2, 0, true }, { 3, n, false } };
		cr_assert_eq(boots_until_switch(cur, 1, 3), (int)n);
		cr_assert_not(slot_bootable(&cur[1]));
		cr_assert(slot_bootable(&cur[0]));
	}
}

/* A good slot that now fails before mark-good on every boot (corruption found late) is
 * demoted after boot_tries boots: no endless reboot loop. */
Test(slots, late_corruption_demoted)
{
	for (unsigned t = 1; t <= 15; t++) {
		struct slot_attrs cur[2] = { { 2, 0, true }, { 1, 0, true } };
		cr_assert_eq(boots_until_switch(cur, 0, t), (int)t);
	}
}

/* Marking good after the boot ends the trial; the slot stays first. */
Test(slots, mark_good_keeps_the_slot)
{
	struct slot_attrs cur[2] = { { 2, 0, true }, { 3, 3, false } };
	bool present[2] = { true, true };
	struct slot_decision d;

	for (int boot = 0; boot < 20; boot++) {
		cr_assert_eq(slot_choose(cur, present, SLOT_AUTO, 3, &d, NULL), 0);
		cr_assert_eq(d.slot, 1);
		cur[1] = d.after;
		cur[1].successful = true;   /* the service tree's mark-good */
		cur[1].tries = 0;
	}
}

/* Anti-rollback: never below the minimum, never older than the running version unless
 * forced; the same or newer is fine. */
Test(slots, version_compare)
{
	struct fault f;

	cr_assert_eq(slot_check_version(2, 1, 0, false, &f), 0);
	cr_assert_eq(slot_check_version(1, 1, 0, false, &f), 0);
	cr_assert_eq(slot_check_version(0, 1, 0, false, &f), -EPERM);
	cr_assert(strstr(f.text, "older than the running 1: refused (rollback"), "%s", f.text);
	cr_assert_eq(slot_check_version(0, 1, 0, true, &f), 0);
	cr_assert_eq(slot_check_version(3, 5, 4, true, &f), -EPERM);
	cr_assert(strstr(f.text, "below the policy's minimum 4"), "%s", f.text);
	cr_assert_eq(slot_check_version(UINT64_MAX, 1, 0, false, &f), 0);
}

/* The words status prints. */
Test(slots, describe)
{
	struct slot_attrs a = { 0, 0, false }, b = { 2, 0, false }, c = { 2, 1, false }, d = { 3, 0, true };

	cr_assert_str_eq(slot_describe(&a), "unbootable (priority 0)");
	cr_assert(strstr(slot_describe(&b), "tries exhausted"));
	cr_assert_str_eq(slot_describe(&c), "trial, 1 boot left (priority 2)");
	cr_assert_str_eq(slot_describe(&d), "good (priority 3)");
}

/* The freestanding rule the EFI loader compiles: the same choice and new state as
 * slot_choose's automatic mode for every state, and -1 exactly when it finds none. */
Test(slots, rule_core_matches_auto_choice, .timeout = 60)
{
	for (unsigned pa = 0; pa < 16; pa += 3) for (unsigned ta = 0; ta < 16; ta++) for (int ga = 0; ga < 2; ga++)
	for (unsigned pb = 0; pb < 16; pb += 3) for (unsigned tb = 0; tb < 16; tb++) for (int gb = 0; gb < 2; gb++)
	for (int presence = 0; presence < 4; presence++) {
		struct slot_attrs cur[2] = { { pa, ta, ga }, { pb, tb, gb } };
		bool present[2] = { presence & 1, presence & 2 };
		bool ba = present[0] && model_bootable(pa, ta, ga), bb = present[1] && model_bootable(pb, tb, gb);
		int want = ba && (!bb || pa >= pb) ? 0 : bb ? 1 : -1;
		struct slot_rule_result r;
		struct slot_decision d;
		int rc = slot_rule_choose(cur, present, 3, &r);

		if (want < 0) {
			cr_assert_eq(rc, -1);
			cr_assert_eq(slot_choose(cur, present, SLOT_AUTO, 3, &d, NULL), -ENOENT);
			continue;
		}
		cr_assert_eq(rc, 0);
		cr_assert_eq(r.slot, want);
		cr_assert_eq(r.after.tries, cur[want].successful ? 2u : cur[want].tries - 1);
		cr_assert_not(r.after.successful);
		cr_assert_eq(r.why, cur[want].successful ? SLOT_RULE_GOOD_TRIAL : SLOT_RULE_IN_TRIAL);
		cr_assert_eq(slot_choose(cur, present, SLOT_AUTO, 3, &d, NULL), 0);
		cr_assert_eq(d.slot, r.slot);
		cr_assert_eq(memcmp(&d.after, &r.after, sizeof(r.after)), 0);
	}
}
