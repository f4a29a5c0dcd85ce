/* A/B slot state in the GPT attribute bits of the two rootfs partitions, in the layout
 * ChromeOS, Flatcar and Bottlerocket share (bits 48-51 priority, 52-55 tries, 56
 * successful), and the slot choice with boot counting. Pure. docs/slots.md. */
#ifndef HARDINIT_SLOT_STATE_H
#define HARDINIT_SLOT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/fault.h"

/* Who chooses the slot: hardinit from the GPT attributes (auto), or a bootloader
 * that names it on the command line. */
enum slot_choice { SLOT_AUTO, SLOT_A, SLOT_B, SLOT_CHOICE_COUNT };

#define SLOT_PRIORITY_MAX 15
#define SLOT_TRIES_MAX 15

struct slot_attrs {
	unsigned priority;   /* 0: never boot */
	unsigned tries;      /* boots left for a slot not (yet) marked good */
	bool successful;     /* marked good by the service tree this boot or before */
};

void slot_attrs_decode(uint64_t gpt_attrs, struct slot_attrs *ret);

/* The GPT attribute field with a's bits set and every other bit kept. */
uint64_t slot_attrs_encode(uint64_t gpt_attrs, const struct slot_attrs *a);

/* A slot may boot: priority above 0, and marked good or with tries left. */
bool slot_bootable(const struct slot_attrs *a);

struct slot_decision {
	int slot;                      /* 0 (a) or 1 (b) */
	struct slot_attrs before;
	struct slot_attrs after;       /* to persist before the slot is used */
	bool persist;
	const char *why;
};

/* Chooses the slot to boot. present[i] says whether slot i's partition exists.
 * - SLOT_A / SLOT_B (the bootloader chose): that slot, its state untouched.
 * - SLOT_AUTO: the bootable slot with the highest priority (a on a tie). Every boot
 *   is a trial until the service tree marks it good: a successful slot becomes
 *   {tries = boot_tries - 1, successful = 0}, a slot in trial loses one try; either
 *   way persisted before activation, so a slot that fails before mark-good, even one
 *   that was good before, runs out of tries and the other slot boots.
 * Returns 0, or -ENOENT when no slot may boot (f says why). */
int slot_choose(const struct slot_attrs cur[2], const bool present[2], enum slot_choice choice,
		unsigned boot_tries, struct slot_decision *ret, struct fault *f);

/* May an image of version `image` replace the slot of the running `running` version?
 * Never below the policy's min_version; never older than the running one (a rollback)
 * unless forced. Returns 0, or -EPERM with the reason in f. */
int slot_check_version(uint64_t image, uint64_t running, uint64_t min_version, bool force, struct fault *f);

/* The state that makes a slot never boot again until it is rewritten. */
struct slot_attrs slot_unbootable(void);

/* In words: "good", "trial, 2 tries left", "unbootable (tries exhausted)"... */
const char *slot_describe(const struct slot_attrs *a);

#endif
