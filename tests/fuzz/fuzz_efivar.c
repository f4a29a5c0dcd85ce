/* Fuzz target: the EFI variables hardinit reads through efivarfs (LoaderInfo, StubInfo,
 * LoaderDevicePartUUID): bytes the firmware, the loader and the stub wrote, and that
 * anyone who can write variables before us shapes. Input: one variable's file content
 * (4 attribute bytes and the data). */
#include <stdlib.h>
#include <string.h>

#include "common/efivar.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[128], uuid[EFIVAR_UUID_LEN + 1];

	if (efivar_parse_text(data, size, text, sizeof(text)) == 0) {
		for (const char *c = text; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				abort(); /* printable ASCII only reaches the record */
	}
	if (efivar_parse_text(data, size, text, 8) == 0 && strlen(text) >= 8)
		abort();
	if (efivar_parse_uuid(data, size, uuid) == 0 && strlen(uuid) != EFIVAR_UUID_LEN)
		abort();
	return 0;
}
