/* The GPT read from bytes, and the rule for repairing a torn primary header: pure code
 * (bytes and integers in, no allocation, no I/O, no libc beyond <stddef.h>, <stdint.h>
 * and <stdbool.h>), so that a loader can share it. Reasons are static strings. */
#ifndef HARDINIT_GPT_PLAN_H
#define HARDINIT_GPT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPT_HEADER_SIZE_MIN 92
#define GPT_ENTRY_SIZE 128          /* the only entry size accepted */
#define GPT_ENTRIES_MAX 1024        /* more entries are refused: at most 128 KiB */
#define GPT_NAME_UNITS 36           /* UTF-16LE code units of a partition name */
#define GPT_SECTOR_SIZE_MIN 512
#define GPT_SECTOR_SIZE_MAX 65536

struct gpt_header {
	uint64_t my_lba, alternate_lba, first_usable_lba, last_usable_lba, entries_lba;
	uint32_t header_size, num_entries, entry_size, entries_crc;
	uint32_t entries_bytes;     /* num_entries * entry_size */
};

/* CRC-32 (IEEE 802.3, reflected, as GPT uses it) of n bytes, continuing crc (0 to start). */
uint32_t gpt_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* Checks the GPT header in one sector read at LBA want_lba of a disk whose last LBA is
 * last_lba: signature "EFI PART", header size (92 to the sector size), header CRC32
 * (over header_size bytes, its own field taken as zero), MyLBA == want_lba, an entry
 * size of 128, at most GPT_ENTRIES_MAX entries, and an entry array that lies inside the
 * disk beside neither header (LBA 2 to last_lba - 1). Returns true and fills *ret, or
 * false with *why saying what is wrong. */
bool gpt_check_header(const uint8_t *sector, uint32_t sector_size, uint64_t want_lba, uint64_t last_lba,
		      struct gpt_header *ret, const char **why);

/* Checks the entry array of a header gpt_check_header accepted: len bytes read from its
 * entries_lba, at least entries_bytes of them, whose CRC32 is entries_crc. Returns
 * true, or false with *why. */
bool gpt_check_entries(const struct gpt_header *h, const uint8_t *entries, size_t len, const char **why);

/* True if a used entry (type GUID not zero) of a checked array is named `name`
 * (printable ASCII, 1 to 36 characters; the UTF-16LE name must match it exactly, and
 * be zero after it). */
bool gpt_find_name(const struct gpt_header *h, const uint8_t *entries, size_t len, const char *name);

/* The index of the used entry named `name` (as gpt_find_name), or -1. */
int gpt_find_entry(const struct gpt_header *h, const uint8_t *entries, size_t len, const char *name);

/* The attribute field (bytes 48-55) of entry `index` of an entry array. */
uint64_t gpt_entry_attrs(const uint8_t *entries, uint32_t index);

/* Sets the attribute field of entry `index`; the array's CRC is then stale. */
void gpt_entry_set_attrs(uint8_t *entries, uint32_t index, uint64_t attrs);

/* Makes a header sector (a copy of a header gpt_check_header accepted) the header at
 * my_lba, whose other copy is at alternate_lba and whose entry array is at entries_lba
 * with CRC32 entries_crc, with a fresh header CRC. Used to write both copies after a
 * change of the entry array, and to rebuild one copy from the other. */
void gpt_seal_header(uint8_t *sector, uint64_t my_lba, uint64_t alternate_lba, uint64_t entries_lba,
		     uint32_t entries_crc);

/* What was read from one whole disk. A buffer not read is NULL with length 0. */
struct gpt_disk_view {
	uint32_t sector_size;
	uint64_t last_lba;
	const uint8_t *primary;             /* the sector at LBA 1 */
	size_t primary_len;
	const uint8_t *primary_entries;     /* at the primary header's entries_lba */
	size_t primary_entries_len;
	const uint8_t *backup;              /* the sector at last_lba */
	size_t backup_len;
	const uint8_t *backup_entries;      /* at the backup header's entries_lba */
	size_t backup_entries_len;
};

struct gpt_repair_decision {
	bool repair;
	const char *primary_why;    /* what is wrong with the primary (NULL if it is valid) */
	const char *why_not;        /* when repair is false: the reason, in words */
};

/* The repair rule: rewrite a disk's GPT from its backup only if the primary header (or
 * its entry array) is invalid, the backup header at the last LBA and its entry array
 * are valid, and the backup lists both labels (the slot partition names: this is the
 * disk hardinit boots from). Returns d->repair. */
bool gpt_plan_repair_decide(const struct gpt_disk_view *v, const char *const labels[2],
			    struct gpt_repair_decision *d);

#endif
