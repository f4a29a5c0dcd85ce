/* The firmware boot entries of the two loader copies (efi/load_option.c computes them,
 * this writes them): one Boot#### per bootefi partition, leading BootOrder. */
#ifndef HARDINIT_BOOT_ENTRIES_H
#define HARDINIT_BOOT_ENTRIES_H

#include <efi.h>

#include "slots/gpt_plan.h"

/* Makes sure "hardinit loader (bootefi-a)" and "(bootefi-b)" exist as Boot#### entries
 * (HD device path of each partition, from the trusted GPT entry array, + the loader's
 * file path) and lead BootOrder; writes a variable only when its bytes differ (one
 * console line per write, or one saying they are in place). Returns EFI_SUCCESS, or
 * the error that stopped it (the boot goes on either way: the entries are a fallback). */
EFI_STATUS boot_entries_ensure(const struct gpt_header *h, const UINT8 *entries, UINTN entries_len);

#endif
