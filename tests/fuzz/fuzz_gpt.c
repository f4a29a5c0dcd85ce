/* Fuzz target: the GPT as the EFI loader reads it (slots/gpt_plan.c: headers, entry
 * arrays, partition names, the repair rule) and the slot choice from the attribute bits
 * (slots/slot_rule.c), both compiled into the loader and into hardinit; and a slot's
 * outcome written into both copies as the supervisor marks a slot good
 * (slots/gpt_slot_plan.c). Anyone with the disk file writes these bytes.
 * Input: a small disk of 512-byte sectors (LBA 0 .. size/512 - 1), the first byte also
 * giving boot_tries. */
#include <stdlib.h>
#include <string.h>

#include "slots/gpt_plan.h"
#include "slots/gpt_slot_plan.h"
#include "slots/slot_rule.h"
#include "slots/slot_state.h"
#include "tests/fuzz/fuzz.h"

#define SECTOR 512

static const char *const labels[2] = { "rootfs-a", "rootfs-b" };

/* The entry array a header points at, as the loader would read it: inside the disk,
 * or NULL with *len 0. */
static const uint8_t *entries_at(const uint8_t *disk, size_t size, const struct gpt_header *h, size_t *len)
{
	uint64_t sectors = size / SECTOR;
	uint64_t n_sectors = (h->entries_bytes + SECTOR - 1) / SECTOR;

	*len = 0;
	if (h->entries_lba >= sectors || n_sectors > sectors - h->entries_lba)
		return NULL;
	*len = (size_t)(n_sectors * SECTOR);
	return disk + h->entries_lba * SECTOR;
}

/* Reads both slots' attributes from a valid header and array and chooses. */
static void choose(const struct gpt_header *h, const uint8_t *entries, size_t len, unsigned boot_tries)
{
	struct slot_attrs cur[2] = { 0 };
	bool present[2];
	struct slot_rule_result res;
	struct slot_decision decision;
	struct fault f;

	for (int s = 0; s < 2; s++) {
		int i = gpt_find_entry(h, entries, len, labels[s]);
		present[s] = i >= 0;
		if (i >= 0) {
			if ((uint32_t)i >= h->num_entries || !gpt_find_name(h, entries, len, labels[s]))
				abort();
			slot_attrs_decode(gpt_entry_attrs(entries, (uint32_t)i), &cur[s]);
		}
	}
	if (slot_rule_choose(cur, present, boot_tries, &res) == 0) {
		/* never a slot that is absent or may not boot */
		if (!present[res.slot] || !slot_bootable(&cur[res.slot]))
			abort();
		if (slot_attrs_encode(0, &res.after) >> 57 != 0)
			abort(); /* the encoding stays inside the slot bits */
	}
	/* hardinit's wrapper: the bootloader's choice (a, b) or the rule (auto) */
	for (int choice = 0; choice < SLOT_CHOICE_COUNT; choice++)
		if (slot_choose(cur, present, (enum slot_choice)choice, boot_tries, &decision, &f) == 0 &&
		    (decision.slot < 0 || decision.slot > 1))
			abort();
}

/* Sealing a valid header again at its own place keeps it valid (the loader seals the
 * copies it writes with the same function). */
static void reseal(const uint8_t *sector, uint64_t lba, uint64_t last_lba, const struct gpt_header *h)
{
	uint8_t copy[SECTOR];
	struct gpt_header again;
	const char *why;

	memcpy(copy, sector, SECTOR);
	gpt_seal_header(copy, lba, h->alternate_lba, h->entries_lba, h->entries_crc);
	if (!gpt_check_header(copy, SECTOR, lba, last_lba, &again, &why) || again.entries_crc != h->entries_crc)
		abort();
}

/* A copy of the entry array h points at, exactly h->entries_bytes long (as
 * gpt_slot_apply.c reads it), or NULL when it is not inside the disk. */
static uint8_t *entries_copy(const uint8_t *disk, size_t size, const struct gpt_header *h)
{
	size_t len;
	const uint8_t *at = entries_at(disk, size, h, &len);
	uint8_t *copy;

	if (!at || h->entries_bytes > len || !(copy = malloc(h->entries_bytes + 1)))
		return NULL;
	memcpy(copy, at, h->entries_bytes);
	return copy;
}

/* The supervisor's mark: on a copy of the label, an outcome for one entry refuses the
 * label, writes nothing, or leaves a label that still checks, whose two arrays agree
 * and differ from the old one only in that entry's attributes. */
static void mark(const uint8_t *data, size_t size, uint64_t last_lba, const struct gpt_header *ph,
		 const struct gpt_header *bh)
{
	uint8_t primary[SECTOR], backup[SECTOR];
	struct gpt_label l = { .sector_size = SECTOR, .last_lba = last_lba, .primary = primary, .backup = backup };
	struct gpt_header p2, b2;
	uint32_t index = data[1] % 8;
	enum slot_outcome o = (enum slot_outcome)(data[2] % 3);
	const char *why;
	bool decided;
	uint8_t *before;
	int r;

	memcpy(primary, data + SECTOR, SECTOR);
	memcpy(backup, data + last_lba * SECTOR, SECTOR);
	l.primary_entries = entries_copy(data, size, ph);
	l.backup_entries = entries_copy(data, size, bh);
	before = entries_copy(data, size, ph);
	if (!l.primary_entries || !l.backup_entries || !before)
		goto out;
	l.primary_entries_len = ph->entries_bytes;
	l.backup_entries_len = bh->entries_bytes;
	r = gpt_label_apply_outcome(&l, index, o, &decided, &why);
	if (r == 1) {
		if (!gpt_label_check(&l, &p2, &b2, &why))
			abort();             /* wrote a label that no longer checks */
		for (uint32_t i = 0; i < p2.num_entries; i++)
			if (i != index && gpt_entry_attrs(l.primary_entries, i) != gpt_entry_attrs(before, i))
				abort();     /* changed another entry */
		uint64_t was = gpt_entry_attrs(before, index), now = gpt_entry_attrs(l.primary_entries, index);
		struct slot_attrs a;
		slot_attrs_decode(now, &a);
		if (slot_attrs_encode(was, &a) != now)
			abort();             /* changed bits outside the slot's */
	}
out:
	free(l.primary_entries);
	free(l.backup_entries);
	free(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpt_disk_view v = { .sector_size = SECTOR };
	struct gpt_repair_decision d;
	struct gpt_header primary, backup;
	const char *why;
	unsigned boot_tries;

	if (size < 3 * SECTOR)
		return 0;
	boot_tries = (unsigned)(data[0] % 16);
	v.last_lba = size / SECTOR - 1;
	v.primary = data + SECTOR;
	v.primary_len = SECTOR;
	v.backup = data + v.last_lba * SECTOR;
	v.backup_len = SECTOR;
	if (gpt_check_header(v.primary, SECTOR, 1, v.last_lba, &primary, &why)) {
		v.primary_entries = entries_at(data, size, &primary, &v.primary_entries_len);
		if (v.primary_entries && gpt_check_entries(&primary, v.primary_entries, v.primary_entries_len, &why))
			choose(&primary, v.primary_entries, v.primary_entries_len, boot_tries);
		reseal(v.primary, 1, v.last_lba, &primary);
	}
	if (gpt_check_header(v.backup, SECTOR, v.last_lba, v.last_lba, &backup, &why)) {
		v.backup_entries = entries_at(data, size, &backup, &v.backup_entries_len);
		if (v.backup_entries && gpt_check_entries(&backup, v.backup_entries, v.backup_entries_len, &why))
			choose(&backup, v.backup_entries, v.backup_entries_len, boot_tries);
		reseal(v.backup, v.last_lba, v.last_lba, &backup);
	}
	(void)gpt_plan_repair_decide(&v, labels, &d);
	if (gpt_check_header(v.primary, SECTOR, 1, v.last_lba, &primary, &why) &&
	    gpt_check_header(v.backup, SECTOR, v.last_lba, v.last_lba, &backup, &why))
		mark(data, size, v.last_lba, &primary, &backup);
	return 0;
}
