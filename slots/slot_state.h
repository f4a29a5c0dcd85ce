/* A/B slot state in the GPT attribute bits of the two rootfs partitions, in the layout
 * ChromeOS, Flatcar and Bottlerocket share (bits 48-51 priority, 52-55 tries, 56
 * successful), and the slot choice with boot counting. Pure. docs/slots.md. */
#ifndef HARDINIT_SLOT_STATE_H
#define HARDINIT_SLOT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/fault.h"
#include "slots/slot_rule.h"

/* Who chooses the slot: hardinit from the GPT attributes (auto), or a bootloader
 * that names it on the command line. */
enum slot_choice { SLOT_AUTO, SLOT_A, SLOT_B, SLOT_CHOICE_COUNT };

/* struct slot_attrs, its GPT encoding and the rule itself: slots/slot_rule.h. */

struct slot_decision {
	int slot;                      /* 0 (a) or 1 (b) */
	struct slot_attrs before;
	struct slot_attrs after;       /* to persist before the slot is used */
	bool persist;
	const char *why;
};

/* Chooses the slot to boot. present[i] says whether slot i's partition exists.
 * - SLOT_A / SLOT_B (the bootloader chose): that slot, its state untouched.
 * - SLOT_AUTO: slot_rule_choose (slots/slot_rule.h), with the reason in words; the
 *   new state is to be persisted before activation.
 * Returns 0, or -ENOENT when no slot may boot (f says why). */
int slot_choose(const struct slot_attrs cur[2], const bool present[2], enum slot_choice choice,
		unsigned boot_tries, struct slot_decision *ret, struct fault *f);

/* hardinitctl set-active (trial false) and an update's commit (trial true): slot t (0
 * or 1) boots next. cur[] holds both slots' states ({0, 0, false} for a slot without a
 * partition). Slot t gets the priority one above the other's, after the other's is
 * lowered to SLOT_PRIORITY_MAX - 1 when it is at the maximum; it becomes a trial of
 * boot_tries boots when `trial`, or when it may not boot as it
 * is (slot_bootable(&cur[t]) false, priority 0 too); else its tries and
 * successful bit are kept. The other slot's tries and successful bit are never touched.
 * Fills ret[] with both new states and write[] with the slots that change: t always,
 * the other only when lowered. hardinitctl writes both in one GPT write
 * (slot_apply_update); were they two, the other would go first, so that a power cut
 * between them leaves t's state as it was. */
void slot_make_first(const struct slot_attrs cur[2], int t, bool trial, unsigned boot_tries,
		     struct slot_attrs ret[2], bool write[2]);

/* May an image of version `image` replace the slot of the running `running` version?
 * Never below the policy's min_version; never older than the running one (a rollback)
 * unless forced. Returns 0, or -EPERM with the reason in f. */
int slot_check_version(uint64_t image, uint64_t running, uint64_t min_version, bool force, struct fault *f);

/* In words: "good", "trial, 2 tries left", "unbootable (tries exhausted)"... */
const char *slot_describe(const struct slot_attrs *a);

#endif
