/* Values of EFI variables as efivarfs shows them (4 attribute bytes, then the value),
 * parsed from bytes the firmware and the programs before hardinit wrote: pure and
 * bounded (no allocation, no I/O). The boot chain's names (docs/boot-chain.md). */
#ifndef HARDINIT_EFIVAR_H
#define HARDINIT_EFIVAR_H

#include <stddef.h>
#include <stdint.h>

#define EFIVAR_TEXT_MAX 127           /* characters of a text value kept */
#define EFIVAR_FILE_MAX (4 + 2 * (EFIVAR_TEXT_MAX + 1))  /* bytes of a file read */
#define EFIVAR_UUID_LEN 36

/* The text of a UTF-16LE string variable (LoaderInfo, StubInfo): the value after the 4
 * attribute bytes, an even number of bytes, optionally ending in one NUL unit; every
 * other unit printable ASCII (0x20-0x7e), 1 to EFIVAR_TEXT_MAX of them and fewer than
 * out_size. Returns 0 with out NUL-terminated, or -EINVAL (out is then ""). */
int efivar_parse_text(const uint8_t *buf, size_t len, char *out, size_t out_size);

/* A partition UUID variable (LoaderDevicePartUUID): text as efivar_parse_text, exactly
 * 8-4-4-4-12 hex digits (either case). Returns 0 with out in lowercase, or -EINVAL
 * (out is then ""). */
int efivar_parse_uuid(const uint8_t *buf, size_t len, char out[EFIVAR_UUID_LEN + 1]);

#endif
