#include <string.h>

#include "slots/gpt_slot_plan.h"

bool gpt_label_check(const struct gpt_label *l, struct gpt_header *ret_primary, struct gpt_header *ret_backup,
		     const char **why)
{
	if (!gpt_check_header(l->primary, l->sector_size, 1, l->last_lba, ret_primary, why) ||
	    !gpt_check_entries(ret_primary, l->primary_entries, l->primary_entries_len, why))
		return false;
	if (!gpt_check_header(l->backup, l->sector_size, l->last_lba, l->last_lba, ret_backup, why) ||
	    !gpt_check_entries(ret_backup, l->backup_entries, l->backup_entries_len, why))
		return false;
	if (ret_primary->alternate_lba != l->last_lba || ret_backup->alternate_lba != 1) {
		*why = "the GPT headers do not name each other";
		return false;
	}
	if (ret_primary->entries_bytes != ret_backup->entries_bytes ||
	    memcmp(l->primary_entries, l->backup_entries, ret_primary->entries_bytes) != 0) {
		*why = "the two GPT entry arrays differ";
		return false;
	}
	return true;
}

int gpt_label_apply_outcome(struct gpt_label *l, uint32_t index, enum slot_outcome o, bool *ret_decided,
			    const char **why)
{
	struct gpt_header ph, bh;
	struct slot_attrs cur, next;
	uint64_t attrs, changed;
	bool used = false;
	uint32_t crc;

	*ret_decided = false;
	if (!gpt_label_check(l, &ph, &bh, why))
		return -1;
	if (index >= ph.num_entries) {
		*why = "no such GPT entry";
		return -1;
	}
	for (int k = 0; k < 16; k++)
		used |= l->primary_entries[(size_t)index * GPT_ENTRY_SIZE + k] != 0;
	if (!used) {
		*why = "the GPT entry is not used";
		return -1;
	}
	attrs = gpt_entry_attrs(l->primary_entries, index);
	slot_attrs_decode(attrs, &cur);
	if (!(*ret_decided = slot_rule_outcome(&cur, o, &next)))
		return 0;
	if ((changed = slot_attrs_encode(attrs, &next)) == attrs)
		return 0;
	gpt_entry_set_attrs(l->primary_entries, index, changed);
	gpt_entry_set_attrs(l->backup_entries, index, changed);
	crc = gpt_crc32(0, l->primary_entries, ph.entries_bytes);
	gpt_seal_header(l->backup, l->last_lba, 1, bh.entries_lba, crc);
	gpt_seal_header(l->primary, 1, l->last_lba, ph.entries_lba, crc);
	return 1;
}
