/* hardinit-loader: the EFI program that chooses the A/B slot before the kernel runs.
 * It reads the GPT of the disk it was loaded from, trusts a header and its entry array
 * only when their CRCs match (slots/gpt_plan.c), applies the slot rule to the rootfs-a/b
 * attribute bits (slots/slot_rule.c: the same C hardinit runs), persists the new state
 * in both GPT copies before it starts anything, and has the firmware load and start
 * \EFI\Linux\hardinit.efi from the chosen slot's boot-X partition, so that Secure Boot
 * checks it. An image the firmware refuses marks its slot unbootable and the other slot
 * is tried in the same boot; no bootable slot: one console line, then power off.
 * docs/boot-chain.md. */
#include <efi.h>
#include <efilib.h>

#include "efi/boot_entries.h"
#include "slots/gpt_plan.h"
#include "slots/slot_rule.h"

/* The policy's default [slots] boot_tries: the loader cannot read the policy (it is in
 * the signed boot image it is about to choose). */
#ifndef LOADER_BOOT_TRIES
#define LOADER_BOOT_TRIES 3
#endif
#define LOADER_IMAGE L"\\EFI\\Linux\\hardinit.efi"

static const char *const root_labels[2] = { "rootfs-a", "rootfs-b" };
static const char *const boot_labels[2] = { "boot-a", "boot-b" };

struct loader_disk {
	EFI_BLOCK_IO *bio;
	EFI_DEVICE_PATH *path;          /* the whole disk's device path */
	UINTN path_len;                 /* without its end node */
	UINT32 ss;
	UINT64 last_lba;
	UINT8 *header;                  /* the trusted header's sector */
	UINT8 *entries;                 /* its entry array, whole sectors */
	UINTN entries_len;
	struct gpt_header h;
	UINT64 primary_entries_lba, backup_entries_lba;
};

static void loader_power_off(void)
{
	Print(L"hardinit-loader: powering off\n");
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	for (;;)
		uefi_call_wrapper(BS->Stall, 1, 1000000);
}

static void print_ascii(const char *s)
{
	CHAR16 buf[128];
	UINTN i = 0;

	for (; s && s[i] && i < 127; i++)
		buf[i] = (CHAR16)s[i];
	buf[i] = 0;
	Print(L"%s", buf);
}

/* The Block I/O handle of the whole disk whose device path is the prefix of `part`
 * (the partition the loader was loaded from). Returns EFI_SUCCESS and fills d. */
static EFI_STATUS loader_find_disk(EFI_DEVICE_PATH *part, struct loader_disk *d)
{
	EFI_HANDLE *handles = NULL;
	UINTN n = 0, part_len = DevicePathSize(part);
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &BlockIoProtocol, NULL, &n, &handles);
	if (EFI_ERROR(st))
		return st;
	for (UINTN i = 0; i < n; i++) {
		EFI_BLOCK_IO *bio;
		EFI_DEVICE_PATH *dp;
		UINTN len;

		if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, handles[i], &BlockIoProtocol, (void **)&bio)) ||
		    bio->Media->LogicalPartition || !(dp = DevicePathFromHandle(handles[i])))
			continue;
		len = DevicePathSize(dp) - END_DEVICE_PATH_LENGTH;
		if (len >= part_len || CompareMem(dp, part, len) != 0)
			continue;
		if (DevicePathType((EFI_DEVICE_PATH *)((UINT8 *)part + len)) != MEDIA_DEVICE_PATH)
			continue;
		d->bio = bio;
		d->path = dp;
		d->path_len = len;
		d->ss = bio->Media->BlockSize;
		d->last_lba = bio->Media->LastBlock;
		FreePool(handles);
		return EFI_SUCCESS;
	}
	FreePool(handles);
	return EFI_NOT_FOUND;
}

static EFI_STATUS loader_read(struct loader_disk *d, UINT64 lba, UINTN len, UINT8 **ret)
{
	UINT8 *buf = AllocatePool(len);
	EFI_STATUS st;

	if (!buf)
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(d->bio->ReadBlocks, 5, d->bio, d->bio->Media->MediaId, lba, len, buf);
	if (EFI_ERROR(st)) {
		FreePool(buf);
		return st;
	}
	*ret = buf;
	return EFI_SUCCESS;
}

/* Reads and checks one GPT copy (header at lba). Returns TRUE with *hdr, *entries and
 * *entries_len (whole sectors) filled, or FALSE with *why. */
static BOOLEAN loader_read_copy(struct loader_disk *d, UINT64 lba, struct gpt_header *h, UINT8 **hdr,
				UINT8 **entries, UINTN *entries_len, const char **why)
{
	UINTN len;

	*hdr = *entries = NULL;
	if (EFI_ERROR(loader_read(d, lba, d->ss, hdr))) {
		*why = "unreadable";
		return FALSE;
	}
	if (!gpt_check_header(*hdr, d->ss, lba, d->last_lba, h, why))
		return FALSE;
	len = (h->entries_bytes + d->ss - 1) / d->ss * d->ss;
	if (len == 0 || EFI_ERROR(loader_read(d, h->entries_lba, len, entries))) {
		*why = "entry array unreadable";
		return FALSE;
	}
	*entries_len = len;
	return gpt_check_entries(h, *entries, len, why);
}

#ifdef LOADER_TEST_TEAR_PRIMARY
/* Test build only: inverts one byte inside the primary GPT header (its entry array's
 * CRC field) on the disk, after the firmware has scanned the disk (the firmware restores
 * a torn copy it finds), as if a write had been torn just before the loader ran. */
static void loader_test_tear_primary(struct loader_disk *d)
{
	UINT8 *s;

	if (EFI_ERROR(loader_read(d, 1, d->ss, &s)))
		return;
	s[90] ^= 0xff;
	if (!EFI_ERROR(uefi_call_wrapper(d->bio->WriteBlocks, 5, d->bio, d->bio->Media->MediaId, (EFI_LBA)1,
					 (UINTN)d->ss, s)))
		Print(L"hardinit-loader: test build: primary GPT header torn\n");
	FreePool(s);
}
#endif

/* Both copies read and checked; the primary is trusted when valid, else the backup (a
 * torn write of the primary). Returns FALSE when neither is valid. */
static BOOLEAN loader_read_gpt(struct loader_disk *d)
{
	struct gpt_header hp, hb;
	UINT8 *p, *pe, *b, *be;
	UINTN pl = 0, bl = 0;
	const char *why_p = "", *why_b = "";
	BOOLEAN okp = loader_read_copy(d, 1, &hp, &p, &pe, &pl, &why_p);
	BOOLEAN okb = loader_read_copy(d, d->last_lba, &hb, &b, &be, &bl, &why_b);

	if (!okp) {
		Print(L"hardinit-loader: primary GPT invalid (");
		print_ascii(why_p);
		Print(L")\n");
	}
	if (!okb) {
		Print(L"hardinit-loader: backup GPT invalid (");
		print_ascii(why_b);
		Print(L")\n");
	}
	if (!okp && !okb)
		return FALSE;
	d->header = okp ? p : b;
	d->entries = okp ? pe : be;
	d->entries_len = okp ? pl : bl;
	d->h = okp ? hp : hb;
	/* Where each copy's entry array goes when written: where it is, or the usual place. */
	d->primary_entries_lba = okp ? hp.entries_lba : 2;
	d->backup_entries_lba = okb ? hb.entries_lba : d->last_lba - d->entries_len / d->ss;
	Print(L"hardinit-loader: GPT primary %s, backup %s: using the %s\n", okp ? L"valid" : L"INVALID",
	      okb ? L"valid" : L"INVALID", okp ? L"primary" : L"backup");
	return TRUE;
}

/* Writes the trusted entry array (changed) to both copies, each with its header sealed
 * with the new CRC: primary first, then the backup, then a flush. */
static EFI_STATUS loader_write_gpt(struct loader_disk *d)
{
	UINT32 crc = gpt_crc32(0, d->entries, d->h.entries_bytes);
	UINT8 *sector = AllocatePool(d->ss);
	EFI_BLOCK_IO *bio = d->bio;
	UINT32 media = bio->Media->MediaId;
	EFI_STATUS st;

	if (!sector)
		return EFI_OUT_OF_RESOURCES;
	CopyMem(sector, d->header, d->ss);
	gpt_seal_header(sector, 1, d->last_lba, d->primary_entries_lba, crc);
	st = uefi_call_wrapper(bio->WriteBlocks, 5, bio, media, d->primary_entries_lba, d->entries_len, d->entries);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(bio->WriteBlocks, 5, bio, media, (EFI_LBA)1, (UINTN)d->ss, sector);
	if (!EFI_ERROR(st)) {
		CopyMem(sector, d->header, d->ss);
		gpt_seal_header(sector, d->last_lba, 1, d->backup_entries_lba, crc);
		st = uefi_call_wrapper(bio->WriteBlocks, 5, bio, media, d->backup_entries_lba, d->entries_len, d->entries);
	}
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(bio->WriteBlocks, 5, bio, media, d->last_lba, (UINTN)d->ss, sector);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(bio->FlushBlocks, 1, bio);
	FreePool(sector);
	return st;
}

/* The partition handle on disk d whose GPT unique GUID is `guid` (16 bytes as on disk). */
static EFI_HANDLE loader_find_partition(struct loader_disk *d, const UINT8 *guid)
{
	EFI_HANDLE *handles = NULL, found = NULL;
	UINTN n = 0;

	if (EFI_ERROR(uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &BlockIoProtocol, NULL, &n, &handles)))
		return NULL;
	for (UINTN i = 0; i < n && !found; i++) {
		EFI_DEVICE_PATH *dp = DevicePathFromHandle(handles[i]), *node;

		if (!dp || DevicePathSize(dp) <= d->path_len || CompareMem(dp, d->path, d->path_len) != 0)
			continue;
		node = (EFI_DEVICE_PATH *)((UINT8 *)dp + d->path_len);
		if (DevicePathType(node) == MEDIA_DEVICE_PATH && DevicePathSubType(node) == MEDIA_HARDDRIVE_DP) {
			HARDDRIVE_DEVICE_PATH *hd = (HARDDRIVE_DEVICE_PATH *)node;
			if (hd->SignatureType == SIGNATURE_TYPE_GUID && CompareMem(hd->Signature, guid, 16) == 0)
				found = handles[i];
		}
	}
	FreePool(handles);
	return found;
}

/* Has the firmware load slot s's boot image (Secure Boot applies). */
static EFI_STATUS loader_load_slot(EFI_HANDLE self, struct loader_disk *d, int s, EFI_HANDLE *child)
{
	int idx = gpt_find_entry(&d->h, d->entries, d->entries_len, boot_labels[s]);
	EFI_DEVICE_PATH *path;
	EFI_HANDLE part;
	EFI_STATUS st;

	if (idx < 0)
		return EFI_NOT_FOUND;
	part = loader_find_partition(d, d->entries + (UINTN)idx * GPT_ENTRY_SIZE + 16);
	if (!part || !(path = FileDevicePath(part, LOADER_IMAGE)))
		return EFI_NOT_FOUND;
	st = uefi_call_wrapper(BS->LoadImage, 6, FALSE, self, path, NULL, 0, child);
	FreePool(path);
	return st;
}

/* Prints which bootefi partition the loader was loaded from: the one whose GPT unique
 * GUID is the signature of the HD node of its own device path. */
static void loader_print_origin(struct loader_disk *d, EFI_DEVICE_PATH *part)
{
	EFI_DEVICE_PATH *node = (EFI_DEVICE_PATH *)((UINT8 *)part + d->path_len);
	HARDDRIVE_DEVICE_PATH *hd = (HARDDRIVE_DEVICE_PATH *)node;
	static const char *const esp_labels[2] = { "bootefi-a", "bootefi-b" };

	if (DevicePathType(node) == MEDIA_DEVICE_PATH && DevicePathSubType(node) == MEDIA_HARDDRIVE_DP &&
	    hd->SignatureType == SIGNATURE_TYPE_GUID)
		for (int s = 0; s < 2; s++) {
			int idx = gpt_find_entry(&d->h, d->entries, d->entries_len, esp_labels[s]);
			if (idx >= 0 && CompareMem(hd->Signature, d->entries + (UINTN)idx * GPT_ENTRY_SIZE + 16, 16) == 0) {
				Print(L"hardinit-loader: started from ");
				print_ascii(esp_labels[s]);
				Print(L"\n");
				return;
			}
		}
	Print(L"hardinit-loader: started from a partition that is neither bootefi-a nor bootefi-b\n");
}

/* The vendor GUID of the Boot Loader Interface's variables (systemd's): hardinit reads
 * the boot chain's names there (docs/boot-chain.md). */
static EFI_GUID loader_vendor = { 0x4a67b082, 0x0a4c, 0x41cf, { 0xb6, 0xc7, 0x44, 0x0b, 0x29, 0xbb, 0x8c, 0x4f } };
#define VOLATILE_ATTRS (EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)

/* Sets LoaderInfo ("hardinit-loader VERSION", UTF-16 with its NUL, volatile) and clears
 * what a boot image's stub sets only when unset (LoaderDevicePartUUID,
 * LoaderImageIdentifier) or owns (StubInfo), so that they name the image started next,
 * not one that returned. The loader never sets LoaderDevicePartUUID itself: the stub
 * then sets it to the partition of the image it was loaded from, boot-X. */
static void loader_set_info(void)
{
	static const char info[] = "hardinit-loader " HARDINIT_VERSION;
	static CHAR16 *const clear[] = { L"LoaderDevicePartUUID", L"LoaderImageIdentifier", L"StubInfo" };
	CHAR16 buf[sizeof(info)];
	EFI_STATUS st;

	for (UINTN i = 0; i < sizeof(info); i++)
		buf[i] = (CHAR16)info[i];
	st = uefi_call_wrapper(RT->SetVariable, 5, L"LoaderInfo", &loader_vendor, VOLATILE_ATTRS, sizeof(buf), buf);
	if (EFI_ERROR(st))
		Print(L"hardinit-loader: unable to set LoaderInfo: %r\n", st);
	for (UINTN i = 0; i < sizeof(clear) / sizeof(clear[0]); i++)
		(void)uefi_call_wrapper(RT->SetVariable, 5, clear[i], &loader_vendor, VOLATILE_ATTRS, 0, NULL);
}

static EFI_STATUS loader_persist(struct loader_disk *d, int idx, const struct slot_attrs *a)
{
	gpt_entry_set_attrs(d->entries, (UINT32)idx, slot_attrs_encode(gpt_entry_attrs(d->entries, (UINT32)idx), a));
	return loader_write_gpt(d);
}

EFI_STATUS efi_main(EFI_HANDLE self, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	EFI_DEVICE_PATH *part;
	struct loader_disk d;
	struct slot_attrs cur[2];
	bool present[2];
	int idx[2];
	EFI_STATUS st;

	InitializeLib(self, systab);
	ZeroMem(&d, sizeof(d));
	Print(L"hardinit-loader: started\n");
	if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, self, &LoadedImageProtocol, (void **)&li)) ||
	    !(part = DevicePathFromHandle(li->DeviceHandle)) || EFI_ERROR(loader_find_disk(part, &d))) {
		Print(L"hardinit-loader: unable to find the disk it was loaded from\n");
		loader_power_off();
	}
#ifdef LOADER_TEST_TEAR_PRIMARY
	loader_test_tear_primary(&d);
#endif
	if (!loader_read_gpt(&d)) {
		Print(L"hardinit-loader: no valid GPT on the boot disk: no slot state to trust\n");
		loader_power_off();
	}
	loader_print_origin(&d, part);
	/* A fallback for the next boots, from the entries just checked: not fatal. */
	(void)boot_entries_ensure(&d.h, d.entries, d.entries_len);
	for (int s = 0; s < 2; s++) {
		idx[s] = gpt_find_entry(&d.h, d.entries, d.entries_len, root_labels[s]);
		present[s] = idx[s] >= 0;
		if (present[s])
			slot_attrs_decode(gpt_entry_attrs(d.entries, (UINT32)idx[s]), &cur[s]);
		else
			cur[s] = slot_unbootable();
	}
	/* Each turn either starts a slot or makes one unbootable: at most two turns. */
	for (int turn = 0; turn < 3; turn++) {
		struct slot_rule_result r;
		EFI_HANDLE child = NULL;
		CHAR16 c;

		Print(L"hardinit-loader: slot a: priority %d tries %d successful %d; slot b: priority %d tries %d successful %d\n",
		      cur[0].priority, cur[0].tries, cur[0].successful, cur[1].priority, cur[1].tries, cur[1].successful);
		if (slot_rule_choose(cur, present, LOADER_BOOT_TRIES, &r) < 0) {
			Print(L"hardinit-loader: no bootable slot\n");
			loader_power_off();
		}
		c = (CHAR16)('a' + r.slot);
		st = loader_persist(&d, idx[r.slot], &r.after);
		if (EFI_ERROR(st)) {
			Print(L"hardinit-loader: unable to persist slot %c's tries: %r\n", c, st);
			loader_power_off();
		}
		cur[r.slot] = r.after;
		Print(L"hardinit-loader: chose slot %c (%s), tries now %d, persisted\n", c,
		      r.why == SLOT_RULE_GOOD_TRIAL ? L"good, a trial until marked good" : L"in trial", r.after.tries);
		loader_set_info();
		st = loader_load_slot(self, &d, r.slot, &child);
		if (!EFI_ERROR(st)) {
#ifdef LOADER_TEST_LOAD_OPTIONS
			/* Test build only: a command line the boot image must ignore. */
			EFI_LOADED_IMAGE *cli;
			static CHAR16 opts[] = LOADER_TEST_LOAD_OPTIONS;
			if (!EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, child, &LoadedImageProtocol, (void **)&cli))) {
				cli->LoadOptions = opts;
				cli->LoadOptionsSize = sizeof(opts);
				Print(L"hardinit-loader: test build: passing the command line \"%s\"\n", opts);
			}
#endif
			Print(L"hardinit-loader: starting slot %c's boot image\n", c);
			st = uefi_call_wrapper(BS->StartImage, 3, child, NULL, NULL);
			Print(L"hardinit-loader: slot %c's boot image returned: %r\n", c, st);
		} else {
			Print(L"hardinit-loader: slot %c: the firmware refused its boot image: %r\n", c, st);
		}
		cur[r.slot] = slot_unbootable();
		st = loader_persist(&d, idx[r.slot], &cur[r.slot]);
		if (EFI_ERROR(st)) {
			Print(L"hardinit-loader: unable to mark slot %c unbootable: %r\n", c, st);
			loader_power_off();
		}
		Print(L"hardinit-loader: slot %c marked unbootable\n", c);
	}
	loader_power_off();
	return EFI_ABORTED;
}
