/* A slot outcome written into a GPT without libfdisk: both copies of the label, read
 * whole, checked, changed the same way and sealed with fresh CRCs. Pure (bytes in,
 * bytes out; no allocation, no I/O). The supervisor that stays PID 1 marks the slot
 * good with it (gpt_slot_apply.c); the rule itself is slot_rule_outcome, in one place. */
#ifndef HARDINIT_GPT_SLOT_PLAN_H
#define HARDINIT_GPT_SLOT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slots/gpt_plan.h"
#include "slots/slot_rule.h"

/* One disk's two GPT copies as read, changed in place. */
struct gpt_label {
	uint32_t sector_size;
	uint64_t last_lba;
	uint8_t *primary;            /* the sector at LBA 1 */
	uint8_t *primary_entries;    /* at the primary header's entries_lba */
	size_t primary_entries_len;
	uint8_t *backup;             /* the sector at last_lba */
	uint8_t *backup_entries;     /* at the backup header's entries_lba */
	size_t backup_entries_len;
};

/* Checks a label: both headers (gpt_check_header, at LBA 1 and last_lba, each naming
 * the other as its alternate), both entry arrays (gpt_check_entries), the two arrays of
 * the same size and byte for byte the same. Fills the two headers. Returns true, or
 * false with *why (a static string: what gpt_check_header or gpt_check_entries found,
 * checking the primary copy first). */
bool gpt_label_check(const struct gpt_label *l, struct gpt_header *ret_primary, struct gpt_header *ret_backup,
		     const char **why);

/* Applies outcome o to the slot bits of entry `index` (0-based; a used entry) of a
 * label that gpt_label_check accepts: slot_rule_outcome decides from the bits the
 * label holds; when the bits change, both entry arrays get them (other bits kept) and
 * both headers are sealed with the new array CRC, ready to write (the backup copy
 * first). *ret_decided says whether the rule decided a state at all (false: it writes
 * nothing, as for GOOD on a slot marked unbootable).
 * Returns 1 when the label changed, 0 when it did not (nothing to write), or -1 with
 * *why for a label that does not check or an index that is not a used entry (the label
 * is left as it was). */
int gpt_label_apply_outcome(struct gpt_label *l, uint32_t index, enum slot_outcome o, bool *ret_decided,
			    const char **why);

#endif
