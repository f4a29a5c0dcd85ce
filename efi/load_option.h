/* The firmware boot entries of the loader copies, as bytes: the EFI_LOAD_OPTION of a
 * Boot#### variable (UEFI 2.x, "Load Options") and the BootOrder rewrite. Pure code
 * (bytes and integers in, no allocation, no I/O, no libc beyond <stddef.h>,
 * <stdint.h> and <stdbool.h>): efi/boot_entries.c applies it in the loader, and the
 * unit tests check it on the host. Every byte read here came from the firmware's
 * variable store (writable by whoever runs before us): reads are bounded by len.
 * docs/boot-chain.md. */
#ifndef HARDINIT_LOAD_OPTION_H
#define HARDINIT_LOAD_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_OPTION_ATTR_ACTIVE 0x00000001u
#define LOAD_OPTION_MAX 512           /* bytes of a load option built or compared here */
#define LOAD_OPTION_TEXT_MAX 64       /* characters of a description or a file path */
#define LOAD_OPTION_NAME_UNITS 9      /* "Boot####" and its NUL, UCS-2 units */

/* The GPT partition a boot entry points at (its HD device path node). */
struct load_option_part {
	uint32_t number;                  /* 1-based: its entry's index + 1 */
	uint64_t start_lba, size_lba;
	uint8_t guid[16];                 /* the entry's unique partition GUID, as on disk */
};

/* Builds an active EFI_LOAD_OPTION: attributes LOAD_OPTION_ATTR_ACTIVE, the description
 * (printable ASCII, stored as NUL-terminated UCS-2), and one device path:
 * HD(number, GPT signature, start, size) / File(path) / End, without optional data.
 * Returns its length, or 0 when it would exceed cap or a text is empty, longer than
 * LOAD_OPTION_TEXT_MAX or not printable ASCII. */
size_t load_option_build(const char *description, const struct load_option_part *part, const char *path,
			 uint8_t *buf, size_t cap);

/* True if opt (len bytes of a Boot#### variable) holds a NUL-terminated description,
 * inside len and after the 6-byte header, equal to `description` (ASCII). */
bool load_option_has_description(const uint8_t *opt, size_t len, const char *description);

/* The number of a variable named "Boot####" (exactly four uppercase hex digits), given
 * as n UCS-2 units with or without its NUL; -1 for any other name. */
int load_option_boot_number(const uint16_t *name, size_t n);

/* "Boot####" (uppercase hex) and its NUL into name. */
void load_option_boot_name(uint16_t number, uint16_t name[LOAD_OPTION_NAME_UNITS]);

/* A Boot#### variable the loader found: its number, and its bytes when it read them
 * (data NULL when it was larger than LOAD_OPTION_MAX or unreadable). */
struct load_option_seen {
	uint16_t number;
	const uint8_t *data;
	size_t len;
};

struct load_option_plan {
	uint16_t number[2];               /* the Boot#### of each wanted option */
	bool write[2];                    /* whether it must be written */
};

/* Where the two wanted options go. For each: a variable holding exactly its bytes is
 * kept (no write); else the first variable with its description is rewritten; else the
 * lowest number no seen variable (nor the other wanted option) uses. seen must list
 * every Boot#### variable. Returns 0 with *ret filled, or -1 when no number is free. */
int load_option_plan_entries(const struct load_option_seen *seen, size_t n_seen, const uint8_t *const want[2],
			     const size_t want_len[2], const char *const description[2], struct load_option_plan *ret);

/* The BootOrder with first[0] then first[1] at its head and every other number of
 * order after them, in its order (first[0] and first[1] removed from the rest). out has
 * room for n + 2 numbers. Returns the new count; *changed says whether it differs from
 * order. */
size_t load_option_boot_order(const uint16_t *order, size_t n, const uint16_t first[2], uint16_t *out,
			      bool *changed);

#endif
