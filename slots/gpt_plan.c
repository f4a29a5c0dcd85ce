#include "slots/gpt_plan.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

uint32_t gpt_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static bool sector_size_ok(uint32_t s)
{
	return s >= GPT_SECTOR_SIZE_MIN && s <= GPT_SECTOR_SIZE_MAX && (s & (s - 1)) == 0;
}

bool gpt_check_header(const uint8_t *sector, uint32_t sector_size, uint64_t want_lba, uint64_t last_lba,
		      struct gpt_header *ret, const char **why)
{
	static const uint8_t signature[8] = { 'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T' };
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	struct gpt_header h;
	uint64_t sectors;
	uint32_t crc;

	if (!sector) {
		*why = "not read";
		return false;
	}
	if (!sector_size_ok(sector_size) || last_lba < 3) {
		*why = "unusable sector size or disk size";
		return false;
	}
	for (int i = 0; i < 8; i++)
		if (sector[i] != signature[i]) {
			*why = "no \"EFI PART\" signature";
			return false;
		}
	h.header_size = le32(sector + 12);
	if (h.header_size < GPT_HEADER_SIZE_MIN || h.header_size > sector_size) {
		*why = "bad header size";
		return false;
	}
	crc = gpt_crc32(0, sector, 16);
	crc = gpt_crc32(crc, zero, 4);
	crc = gpt_crc32(crc, sector + 20, h.header_size - 20);
	if (crc != le32(sector + 16)) {
		*why = "header CRC mismatch";
		return false;
	}
	h.my_lba = le64(sector + 24);
	h.alternate_lba = le64(sector + 32);
	h.first_usable_lba = le64(sector + 40);
	h.last_usable_lba = le64(sector + 48);
	h.entries_lba = le64(sector + 72);
	h.num_entries = le32(sector + 80);
	h.entry_size = le32(sector + 84);
	h.entries_crc = le32(sector + 88);
	if (h.my_lba != want_lba) {
		*why = "header is not at its own LBA";
		return false;
	}
	if (h.entry_size != GPT_ENTRY_SIZE) {
		*why = "entry size is not 128";
		return false;
	}
	if (h.num_entries > GPT_ENTRIES_MAX) {
		*why = "too many entries";
		return false;
	}
	h.entries_bytes = h.num_entries * GPT_ENTRY_SIZE;
	sectors = (h.entries_bytes + (uint64_t)sector_size - 1) / sector_size;
	/* From LBA 2 to last_lba - 1: beside neither header. */
	if (h.entries_lba < 2 || h.entries_lba > last_lba - 1 || sectors > last_lba - h.entries_lba) {
		*why = "entry array outside the disk";
		return false;
	}
	*ret = h;
	return true;
}

bool gpt_check_entries(const struct gpt_header *h, const uint8_t *entries, size_t len, const char **why)
{
	if ((!entries && h->entries_bytes) || len < h->entries_bytes) {
		*why = "entry array not read";
		return false;
	}
	if (gpt_crc32(0, entries, h->entries_bytes) != h->entries_crc) {
		*why = "entry array CRC mismatch";
		return false;
	}
	return true;
}

/* True if entry e (128 bytes) is used and named `name`. */
static bool entry_named(const uint8_t *e, const char *name)
{
	bool used = false;
	size_t i = 0;

	for (int k = 0; k < 16; k++)
		used |= e[k] != 0;
	if (!used)
		return false;
	for (; i < GPT_NAME_UNITS; i++) {
		unsigned unit = (unsigned)e[56 + 2 * i] | (unsigned)e[57 + 2 * i] << 8;
		unsigned want = name[i] ? (unsigned char)name[i] : 0;
		if (unit != want)
			return false;
		if (!want)
			return true;
	}
	return name[i] == '\0';  /* a 36-unit name fills the field: the label must end there */
}

int gpt_find_entry(const struct gpt_header *h, const uint8_t *entries, size_t len, const char *name)
{
	if (!entries || !name || !name[0] || len < h->entries_bytes)
		return -1;
	for (uint32_t i = 0; i < h->num_entries; i++)
		if (entry_named(entries + (size_t)i * GPT_ENTRY_SIZE, name))
			return (int)i;
	return -1;
}

bool gpt_find_name(const struct gpt_header *h, const uint8_t *entries, size_t len, const char *name)
{
	return gpt_find_entry(h, entries, len, name) >= 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

uint64_t gpt_entry_attrs(const uint8_t *entries, uint32_t index)
{
	return le64(entries + (size_t)index * GPT_ENTRY_SIZE + 48);
}

void gpt_entry_set_attrs(uint8_t *entries, uint32_t index, uint64_t attrs)
{
	put_le64(entries + (size_t)index * GPT_ENTRY_SIZE + 48, attrs);
}

void gpt_seal_header(uint8_t *sector, uint64_t my_lba, uint64_t alternate_lba, uint64_t entries_lba,
		     uint32_t entries_crc)
{
	put_le64(sector + 24, my_lba);
	put_le64(sector + 32, alternate_lba);
	put_le64(sector + 72, entries_lba);
	put_le32(sector + 88, entries_crc);
	put_le32(sector + 16, 0);
	put_le32(sector + 16, gpt_crc32(0, sector, le32(sector + 12)));
}

bool gpt_plan_repair_decide(const struct gpt_disk_view *v, const char *const labels[2],
			    struct gpt_repair_decision *d)
{
	struct gpt_header primary, backup;
	const char *why = "";

	d->repair = false;
	d->primary_why = NULL;
	d->why_not = NULL;
	if (v->primary && v->primary_len >= v->sector_size &&
	    gpt_check_header(v->primary, v->sector_size, 1, v->last_lba, &primary, &why) &&
	    gpt_check_entries(&primary, v->primary_entries, v->primary_entries_len, &why)) {
		d->why_not = "the primary GPT header is valid";
		return false;
	}
	d->primary_why = v->primary && v->primary_len >= v->sector_size ? why : "not read";
	if (!v->backup || v->backup_len < v->sector_size ||
	    !gpt_check_header(v->backup, v->sector_size, v->last_lba, v->last_lba, &backup, &why)) {
		d->why_not = "no valid backup GPT header either";
		return false;
	}
	if (!gpt_check_entries(&backup, v->backup_entries, v->backup_entries_len, &why)) {
		d->why_not = "the backup GPT entry array is invalid";
		return false;
	}
	if (!labels || !gpt_find_name(&backup, v->backup_entries, v->backup_entries_len, labels[0]) ||
	    !gpt_find_name(&backup, v->backup_entries, v->backup_entries_len, labels[1])) {
		d->why_not = "the backup GPT does not list the slot partitions (not this system's disk)";
		return false;
	}
	d->repair = true;
	return true;
}
