/* Applies efi/load_option.c in the loader: reads the Boot#### variables and BootOrder
 * (bounded: LOAD_OPTION_MAX bytes an entry, BOOT_ORDER_MAX numbers), writes only what
 * differs. NV writes wear the firmware's flash: nothing is written on a boot where the
 * entries are already in place. */
#include <efi.h>
#include <efilib.h>

#include "efi/boot_entries.h"
#include "efi/load_option.h"

#define BOOT_ENTRY_PATH "\\EFI\\BOOT\\BOOTX64.EFI"
#define BOOT_VARS_MAX 512          /* Boot#### variables looked at; more: no change */
#define BOOT_ORDER_MAX 512         /* numbers in BootOrder */
#define NV_ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)

static const char *const esp_labels[2] = { "bootefi-a", "bootefi-b" };
static const char *const descriptions[2] = { "hardinit loader (bootefi-a)", "hardinit loader (bootefi-b)" };

static UINT64 get64(const UINT8 *p)
{
	UINT64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The load option of ESP s from its GPT entry. Returns its length, 0 if it has none. */
static UINTN wanted_option(const struct gpt_header *h, const UINT8 *entries, UINTN entries_len, int s, UINT8 *buf)
{
	int idx = gpt_find_entry(h, entries, entries_len, esp_labels[s]);
	const UINT8 *e;
	struct load_option_part part;

	if (idx < 0)
		return 0;
	e = entries + (UINTN)idx * GPT_ENTRY_SIZE;
	part.number = (UINT32)idx + 1;
	part.start_lba = get64(e + 32);
	part.size_lba = get64(e + 40) - part.start_lba + 1;
	CopyMem(part.guid, (void *)(e + 16), 16);
	return load_option_build(descriptions[s], &part, BOOT_ENTRY_PATH, buf, LOAD_OPTION_MAX);
}

/* Every Boot#### variable of the global GUID, with its bytes when they fit
 * LOAD_OPTION_MAX. Returns the count (at most BOOT_VARS_MAX), or -1 when there are more
 * (the plan needs them all to pick a free number). */
static INTN read_boot_vars(struct load_option_seen *seen, UINT8 (*data)[LOAD_OPTION_MAX])
{
	CHAR16 name[512];
	EFI_GUID guid;
	INTN n = 0;

	name[0] = 0;
	for (;;) {
		UINTN size = sizeof(name), len = LOAD_OPTION_MAX;
		UINT32 attrs;
		EFI_STATUS st = uefi_call_wrapper(RT->GetNextVariableName, 3, &size, name, &guid);
		int number;

		if (st == EFI_NOT_FOUND)
			return n;
		if (EFI_ERROR(st))
			return -1;       /* a name longer than 511 units: the walk cannot go on */
		if (CompareGuid(&guid, &EfiGlobalVariable) != 0 ||
		    (number = load_option_boot_number((const uint16_t *)name, size / sizeof(CHAR16))) < 0)
			continue;
		if (n >= BOOT_VARS_MAX)
			return -1;
		seen[n].number = (uint16_t)number;
		seen[n].data = NULL;
		seen[n].len = 0;
		if (!EFI_ERROR(uefi_call_wrapper(RT->GetVariable, 5, name, &EfiGlobalVariable, &attrs, &len, data[n]))) {
			seen[n].data = data[n];
			seen[n].len = len;
		}
		n++;
	}
}

/* Puts number[0] and number[1] at the head of BootOrder, writing it only if that
 * changes it (*wrote says so). Returns EFI_SUCCESS or the firmware's error. */
static EFI_STATUS write_boot_order(UINT16 number[2], BOOLEAN *wrote)
{
	UINT16 order[BOOT_ORDER_MAX], out[BOOT_ORDER_MAX + 2];
	UINTN size = sizeof(order), n;
	UINT32 attrs;
	bool changed;
	EFI_STATUS st = uefi_call_wrapper(RT->GetVariable, 5, L"BootOrder", &EfiGlobalVariable, &attrs, &size, order);

	if (st == EFI_NOT_FOUND)
		size = 0;
	else if (EFI_ERROR(st))
		return st;       /* unreadable or longer than BOOT_ORDER_MAX: left as it is */
	*wrote = FALSE;
	n = load_option_boot_order(order, size / sizeof(UINT16), number, out, &changed);
	if (!changed)
		return EFI_SUCCESS;
	st = uefi_call_wrapper(RT->SetVariable, 5, L"BootOrder", &EfiGlobalVariable, NV_ATTRS, n * sizeof(UINT16), out);
	*wrote = !EFI_ERROR(st);
	if (*wrote) {
		CHAR16 a[LOAD_OPTION_NAME_UNITS], b[LOAD_OPTION_NAME_UNITS];
		load_option_boot_name(number[0], (uint16_t *)a);
		load_option_boot_name(number[1], (uint16_t *)b);
		Print(L"hardinit-loader: BootOrder written: %s, %s first\n", a, b);
	}
	return st;
}

EFI_STATUS boot_entries_ensure(const struct gpt_header *h, const UINT8 *entries, UINTN entries_len)
{
	static UINT8 want_buf[2][LOAD_OPTION_MAX];
	struct load_option_seen *seen = AllocatePool(BOOT_VARS_MAX * sizeof(*seen));
	UINT8 (*data)[LOAD_OPTION_MAX] = AllocatePool(BOOT_VARS_MAX * LOAD_OPTION_MAX);
	const uint8_t *want[2] = { want_buf[0], want_buf[1] };
	size_t want_len[2];
	struct load_option_plan plan;
	EFI_STATUS st = EFI_SUCCESS;
	BOOLEAN order_written = FALSE;
	INTN n;

	if (!seen || !data) {
		st = EFI_OUT_OF_RESOURCES;
		goto out;
	}
	for (int s = 0; s < 2; s++)
		if (!(want_len[s] = wanted_option(h, entries, entries_len, s, want_buf[s]))) {
			st = EFI_NOT_FOUND;
			goto out;
		}
	if ((n = read_boot_vars(seen, data)) < 0 ||
	    load_option_plan_entries(seen, (size_t)n, want, want_len, descriptions, &plan) < 0) {
		st = EFI_OUT_OF_RESOURCES;
		goto out;
	}
	for (int s = 0; s < 2 && !EFI_ERROR(st); s++) {
		CHAR16 name[LOAD_OPTION_NAME_UNITS];
		if (!plan.write[s])
			continue;
		load_option_boot_name(plan.number[s], (uint16_t *)name);
		st = uefi_call_wrapper(RT->SetVariable, 5, name, &EfiGlobalVariable, NV_ATTRS, want_len[s], want_buf[s]);
		if (!EFI_ERROR(st))
			Print(L"hardinit-loader: boot entry %s written: \"%a\"\n", name, descriptions[s]);
	}
	if (!EFI_ERROR(st))
		st = write_boot_order(plan.number, &order_written);
	if (!EFI_ERROR(st) && !plan.write[0] && !plan.write[1] && !order_written) {
		CHAR16 a[LOAD_OPTION_NAME_UNITS], b[LOAD_OPTION_NAME_UNITS];
		load_option_boot_name(plan.number[0], (uint16_t *)a);
		load_option_boot_name(plan.number[1], (uint16_t *)b);
		Print(L"hardinit-loader: boot entries in place (%s, %s lead BootOrder)\n", a, b);
	}
out:
	if (seen)
		FreePool(seen);
	if (data)
		FreePool(data);
	if (EFI_ERROR(st))
		Print(L"hardinit-loader: unable to set the boot entries: %r\n", st);
	return st;
}
