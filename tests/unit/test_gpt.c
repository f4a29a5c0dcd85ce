#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slots/gpt_plan.h"
#include "slots/gpt_slot_plan.h"

/* GPT disk images built here, byte by byte from the UEFI layout (independently of
 * gpt_plan.c, except its CRC, which is checked against the standard test vector). */

static const char *const slot_labels[2] = { "rootfs-a", "rootfs-b" };

struct disk {
	uint8_t *img;
	uint32_t ss;
	uint64_t sectors;
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Recomputes the header CRC of the header in sector lba (over its header_size bytes,
 * capped to the sector). */
static void fix_header_crc(struct disk *d, uint64_t lba)
{
	uint8_t *h = d->img + lba * d->ss;
	uint32_t size = get32(h + 12);

	if (size > d->ss)
		size = d->ss;
	put32(h + 16, 0);
	put32(h + 16, gpt_crc32(0, h, size));
}

static void write_header(struct disk *d, uint64_t lba, uint64_t alt, uint64_t entries_lba, uint32_t entries_crc)
{
	uint8_t *h = d->img + lba * d->ss;
	uint64_t entry_sectors = 128 * 128 / d->ss;

	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x00010000);
	put32(h + 12, 92);
	put64(h + 24, lba);
	put64(h + 32, alt);
	put64(h + 40, 2 + entry_sectors);
	put64(h + 48, d->sectors - 2 - entry_sectors);
	memset(h + 56, 0x5a, 16);         /* disk GUID */
	put64(h + 72, entries_lba);
	put32(h + 80, 128);
	put32(h + 84, 128);
	put32(h + 88, entries_crc);
	fix_header_crc(d, lba);
}

/* A disk of `sectors` sectors of ss bytes with a GPT of 128 entries; entry i is named
 * names[i] (ASCII), n of them. */
static struct disk make_disk(uint32_t ss, uint64_t sectors, const char *const *names, size_t n)
{
	struct disk d = { calloc(sectors, ss), ss, sectors };
	uint8_t entries[128 * 128] = { 0 };
	uint64_t last = sectors - 1, entry_sectors = sizeof(entries) / ss;
	uint32_t crc;

	cr_assert_not_null(d.img);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = entries + i * 128;
		memset(e, 0xaf, 16);          /* type GUID */
		memset(e + 16, (int)i + 1, 16); /* unique GUID */
		put64(e + 32, 40 + i);
		put64(e + 40, 40 + i);
		for (size_t k = 0; names[i][k]; k++)
			e[56 + 2 * k] = (uint8_t)names[i][k];
	}
	crc = gpt_crc32(0, entries, sizeof(entries));
	memcpy(d.img + 2 * ss, entries, sizeof(entries));
	memcpy(d.img + (last - entry_sectors) * ss, entries, sizeof(entries));
	write_header(&d, 1, last, 2, crc);
	write_header(&d, last, 1, last - entry_sectors, crc);
	return d;
}

static struct disk slot_disk(void)
{
	static const char *const names[] = { "efi", "rootfs-a", "rootfs-b", "data", "logs" };
	return make_disk(512, 256, names, 5);
}

/* What hardinit's apply side reads from a disk: each buffer copied to its own
 * allocation of the exact length (so that ASan sees any read past it). */
struct view {
	struct gpt_disk_view v;
	uint8_t *bufs[4];
};

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	cr_assert_not_null(b);
	memcpy(b, p, n);
	return b;
}

static void view_read(const struct disk *d, struct view *w)
{
	struct gpt_header h;
	const char *why;
	uint64_t last = d->sectors - 1;

	memset(w, 0, sizeof(*w));
	w->v.sector_size = d->ss;
	w->v.last_lba = last;
	w->v.primary = w->bufs[0] = copy(d->img + d->ss, d->ss);
	w->v.primary_len = d->ss;
	w->v.backup = w->bufs[1] = copy(d->img + last * d->ss, d->ss);
	w->v.backup_len = d->ss;
	if (gpt_check_header(w->v.primary, d->ss, 1, last, &h, &why)) {
		w->v.primary_entries = w->bufs[2] = copy(d->img + h.entries_lba * d->ss, h.entries_bytes);
		w->v.primary_entries_len = h.entries_bytes;
	}
	if (gpt_check_header(w->v.backup, d->ss, last, last, &h, &why)) {
		w->v.backup_entries = w->bufs[3] = copy(d->img + h.entries_lba * d->ss, h.entries_bytes);
		w->v.backup_entries_len = h.entries_bytes;
	}
}

static void view_free(struct view *w)
{
	for (int i = 0; i < 4; i++)
		free(w->bufs[i]);
}

static struct gpt_repair_decision decide(const struct disk *d, const char *const labels[2])
{
	struct gpt_repair_decision dec;
	struct view w;

	view_read(d, &w);
	cr_assert_eq(gpt_plan_repair_decide(&w.v, labels, &dec), dec.repair);
	view_free(&w);
	return dec;
}

/* A torn write of the primary header: one byte of it changed (the QEMU case flips
 * byte 90, inside the entries CRC field). */
static void tear_primary(struct disk *d)
{
	d->img[d->ss + 90] ^= 0xff;
}

Test(gpt, crc32_test_vector)
{
	cr_assert_eq(gpt_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
	cr_assert_eq(gpt_crc32(gpt_crc32(0, (const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5), 0xCBF43926u);
	cr_assert_eq(gpt_crc32(0, NULL, 0), 0u);
}

Test(gpt, valid_primary_no_repair)
{
	struct disk d = slot_disk();
	struct gpt_repair_decision dec = decide(&d, slot_labels);

	cr_assert_not(dec.repair);
	cr_assert_null(dec.primary_why);
	cr_assert(strstr(dec.why_not, "primary GPT header is valid"), "%s", dec.why_not);
	free(d.img);
}

/* A valid GPT with no partition (the kernel shows none; nothing is damaged). */
Test(gpt, valid_empty_gpt_no_repair)
{
	struct disk d = make_disk(512, 256, NULL, 0);
	struct gpt_repair_decision dec = decide(&d, slot_labels);

	cr_assert_not(dec.repair);
	cr_assert_null(dec.primary_why);
	/* ... and torn, an empty backup does not list the slots either. */
	tear_primary(&d);
	dec = decide(&d, slot_labels);
	cr_assert_not(dec.repair);
	cr_assert_str_eq(dec.primary_why, "header CRC mismatch");
	free(d.img);
}

Test(gpt, torn_primary_valid_backup_with_slots_repair)
{
	struct disk d = slot_disk();
	struct gpt_repair_decision dec;

	tear_primary(&d);
	dec = decide(&d, slot_labels);
	cr_assert(dec.repair, "%s", dec.why_not ? dec.why_not : "");
	cr_assert_str_eq(dec.primary_why, "header CRC mismatch");
	free(d.img);
}

/* Each way a primary can be invalid, the backup good: repaired, the reason named. */
Test(gpt, primary_invalid_reasons)
{
	static const struct { size_t off; uint8_t val; const char *why; bool fix_crc; } cases[] = {
		{ 0, 'X', "no \"EFI PART\" signature", false },
		{ 12, 91, "bad header size", false },
		{ 13, 0xff, "bad header size", false },
		{ 24, 2, "header is not at its own LBA", true },
		{ 84, 0, "entry size is not 128", true },
		{ 81, 0xff, "too many entries", true },
		{ 72, 0, "entry array outside the disk", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct disk d = slot_disk();
		struct gpt_repair_decision dec;

		d.img[512 + cases[i].off] = cases[i].val;
		if (cases[i].fix_crc)
			fix_header_crc(&d, 1);
		dec = decide(&d, slot_labels);
		cr_assert(dec.repair, "case %zu", i);
		cr_assert_str_eq(dec.primary_why, cases[i].why, "case %zu", i);
		free(d.img);
	}
	/* The header intact but its entry array not (a write torn between the two). */
	struct disk d = slot_disk();
	d.img[2 * 512 + 56] ^= 1;
	struct gpt_repair_decision dec = decide(&d, slot_labels);
	cr_assert(dec.repair);
	cr_assert_str_eq(dec.primary_why, "entry array CRC mismatch");
	free(d.img);
}

/* Another disk: a torn primary, a valid backup, but not the slots' disk. */
Test(gpt, torn_primary_backup_without_slot_labels_no_repair)
{
	static const char *const others[] = { "data", "rootfs-a" };        /* only one slot */
	static const char *const near[] = { "rootfs-ab", "rootfs-b2", "Rootfs-a", "rootfs-" };
	struct disk d = make_disk(512, 256, others, 2);
	struct gpt_repair_decision dec;

	tear_primary(&d);
	dec = decide(&d, slot_labels);
	cr_assert_not(dec.repair);
	cr_assert(strstr(dec.why_not, "does not list the slot partitions"), "%s", dec.why_not);
	free(d.img);

	d = make_disk(512, 256, near, 4);   /* names that only start like the labels */
	tear_primary(&d);
	cr_assert_not(decide(&d, slot_labels).repair);
	free(d.img);

	/* Other labels named by the policy are looked for, not the defaults. */
	static const char *const custom[2] = { "sys-one", "sys-two" };
	d = slot_disk();
	tear_primary(&d);
	cr_assert_not(decide(&d, custom).repair);
	free(d.img);
}

Test(gpt, both_headers_invalid_no_repair)
{
	struct disk d = slot_disk();
	struct gpt_repair_decision dec;

	tear_primary(&d);
	d.img[255 * 512 + 90] ^= 0xff;
	dec = decide(&d, slot_labels);
	cr_assert_not(dec.repair);
	cr_assert(strstr(dec.why_not, "no valid backup"), "%s", dec.why_not);
	free(d.img);

	/* The backup where the disk's last LBA is not (a disk that grew). */
	d = slot_disk();
	tear_primary(&d);
	struct view w;
	view_read(&d, &w);
	w.v.last_lba += 8;
	cr_assert_not(gpt_plan_repair_decide(&w.v, slot_labels, &dec));
	view_free(&w);
	free(d.img);
}

Test(gpt, backup_entries_crc_bad_no_repair)
{
	struct disk d = slot_disk();
	struct gpt_repair_decision dec;

	tear_primary(&d);
	d.img[(255 - 32) * 512 + 128 + 56] ^= 1;   /* the backup's second entry's name */
	dec = decide(&d, slot_labels);
	cr_assert_not(dec.repair);
	cr_assert(strstr(dec.why_not, "backup GPT entry array is invalid"), "%s", dec.why_not);
	free(d.img);
}

/* 4096-byte sectors: the entry array is 4 sectors; LBAs count sectors, not 512 bytes. */
Test(gpt, sector_size_4096)
{
	static const char *const names[] = { "rootfs-b", "rootfs-a" };
	struct disk d = make_disk(4096, 64, names, 2);

	cr_assert_not(decide(&d, slot_labels).repair);
	tear_primary(&d);
	cr_assert(decide(&d, slot_labels).repair);
	free(d.img);
}

/* A 36-character label matches a name that fills the field; one more character never. */
Test(gpt, name_36_units)
{
	static const char *const names[] = { "abcdefghijklmnopqrstuvwxyz0123456789", "rootfs-b" };
	static const char *const labels[2] = { "abcdefghijklmnopqrstuvwxyz0123456789", "rootfs-b" };
	static const char *const shorter[2] = { "abcdefghijklmnopqrstuvwxyz012345678", "rootfs-b" };
	static const char *const longer[2] = { "abcdefghijklmnopqrstuvwxyz0123456789X", "rootfs-b" };
	struct disk d = make_disk(512, 256, names, 2);

	tear_primary(&d);
	cr_assert(decide(&d, labels).repair);
	cr_assert_not(decide(&d, shorter).repair);
	cr_assert_not(decide(&d, longer).repair);
	cr_assert_not(decide(&d, (const char *const[2]){ "", "rootfs-b" }).repair);
	cr_assert_not(decide(&d, (const char *const[2]){ NULL, "rootfs-b" }).repair);
	free(d.img);
}

/* Hostile headers (CRCs made to match, so that each field is what fails): no crash, no
 * read past a buffer (ASan in make check-san), and never a repair. */
Test(gpt, hostile_backup_headers_no_repair)
{
	static const struct { size_t off; uint64_t val; int width; } cases[] = {
		{ 12, 0xffffffffu, 4 },        /* header_size huge */
		{ 12, 0, 4 },                  /* header_size 0 */
		{ 80, 0xffffffffu, 4 },        /* num_entries * entry_size overflows 32 bits */
		{ 80, 0x02000000u, 4 },        /* ... and 2^25 * 128 = 2^32 */
		{ 84, 0x80000000u, 4 },        /* entry size huge */
		{ 84, 256, 4 },                /* entry size not 128 */
		{ 84, 1, 4 },
		{ 72, UINT64_MAX, 8 },         /* entries_lba + its sectors overflows */
		{ 72, UINT64_MAX - 2, 8 },
		{ 72, 0, 8 },
		{ 72, 255, 8 },                /* the array on the backup header itself */
		{ 72, 250, 8 },                /* the array running past the end of the disk */
		{ 24, UINT64_MAX, 8 },         /* MyLBA */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct disk d = slot_disk();
		uint8_t *h = d.img + 255 * 512;

		tear_primary(&d);
		if (cases[i].width == 4)
			put32(h + cases[i].off, (uint32_t)cases[i].val);
		else
			put64(h + cases[i].off, cases[i].val);
		fix_header_crc(&d, 255);
		cr_assert_not(decide(&d, slot_labels).repair, "case %zu", i);
		free(d.img);
	}
}

/* Random header and entry bytes under valid CRCs, and a random sector and disk size:
 * never a crash or an out-of-bounds read; a repair only with both labels in a checked
 * backup array. */
Test(gpt, fuzz_headers, .timeout = 60)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;

	for (int round = 0; round < 3000; round++) {
		struct disk d = slot_disk();
		struct gpt_repair_decision dec;
		struct view w;
		int flips = 1 + round % 8;

		for (int k = 0; k < flips; k++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			size_t sector = seed % 3 == 0 ? 1 : seed % 3 == 1 ? 255 : 255 - 32 + (seed >> 8) % 32;
			size_t off = (seed >> 16) % (sector == 1 || sector == 255 ? 96 : 512);
			d.img[sector * 512 + off] = (uint8_t)(seed >> 40);
		}
		if (round % 2)
			fix_header_crc(&d, 255);
		if (round % 3)
			fix_header_crc(&d, 1);
		view_read(&d, &w);
		if (round % 5 == 0)
			w.v.last_lba = seed >> 32;   /* a disk size that does not fit the image */
		if (round % 7 == 0)
			w.v.sector_size = (uint32_t)(seed >> 20);
		if (w.v.last_lba != 255 || w.v.sector_size != 512) {
			/* Nothing may be read beyond the buffers given: lengths stay as read. */
			gpt_plan_repair_decide(&w.v, slot_labels, &dec);
			view_free(&w);
			free(d.img);
			continue;
		}
		if (gpt_plan_repair_decide(&w.v, slot_labels, &dec)) {
			struct gpt_header h;
			const char *why;
			cr_assert(gpt_check_header(w.v.backup, 512, 255, 255, &h, &why));
			cr_assert(gpt_check_entries(&h, w.v.backup_entries, w.v.backup_entries_len, &why));
			cr_assert(gpt_find_name(&h, w.v.backup_entries, w.v.backup_entries_len, "rootfs-a"));
			cr_assert(gpt_find_name(&h, w.v.backup_entries, w.v.backup_entries_len, "rootfs-b"));
			cr_assert_not_null(dec.primary_why);
		}
		view_free(&w);
		free(d.img);
	}
}

/* A GPT written by a real tool (sgdisk, from gdisk) on a 64 KiB scratch disk. */
Test(gpt, sgdisk_disk)
{
	char path[] = "/tmp/hardinit-gpt-XXXXXX", cmd[256];
	int fd = mkstemp(path);
	struct disk d = { malloc(128 * 512), 512, 128 };
	FILE *in;

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "truncate -s 64K %s && sgdisk -a 1 -n 1:34:41 -c 1:rootfs-a -n 2:42:49 -c 2:rootfs-b "
		 "-n 3:50:57 -c 3:data %s >/dev/null", path, path);
	cr_assert_eq(system(cmd), 0, "sgdisk (gdisk) is needed: %s", cmd);
	in = fopen(path, "rb");
	unlink(path);
	cr_assert_not_null(in);
	cr_assert_eq(fread(d.img, 512, 128, in), 128u);
	fclose(in);
	cr_assert_not(decide(&d, slot_labels).repair);
	tear_primary(&d);
	cr_assert(decide(&d, slot_labels).repair);
	cr_assert_not(decide(&d, (const char *const[2]){ "rootfs-a", "logs" }).repair);
	free(d.img);
}

/* What a loader does to persist a slot's new attributes: find the entry by name, set its
 * attribute field, and seal both headers with the new entry CRC. Both copies then pass
 * the checks, carry the new bits, and every other byte of the entry is unchanged. */
Test(gpt, set_attrs_and_seal_both_copies)
{
	struct disk d = slot_disk();
	uint64_t last = d.sectors - 1, entry_sectors = 128 * 128 / d.ss;
	struct gpt_header h, hb;
	const char *why = "";
	uint8_t before[128];
	int i;

	cr_assert(gpt_check_header(d.img + d.ss, d.ss, 1, last, &h, &why), "%s", why);
	i = gpt_find_entry(&h, d.img + 2 * d.ss, h.entries_bytes, "rootfs-b");
	cr_assert_eq(i, 2);
	cr_assert_eq(gpt_find_entry(&h, d.img + 2 * d.ss, h.entries_bytes, "rootfs-c"), -1);
	memcpy(before, d.img + 2 * d.ss + 128 * i, 128);
	cr_assert_eq(gpt_entry_attrs(d.img + 2 * d.ss, (uint32_t)i), 0);
	gpt_entry_set_attrs(d.img + 2 * d.ss, (uint32_t)i, UINT64_C(0x0123456789abcdef));
	cr_assert_eq(gpt_entry_attrs(d.img + 2 * d.ss, (uint32_t)i), UINT64_C(0x0123456789abcdef));
	for (int k = 0; k < 128; k++)
		if (k < 48 || k >= 56)
			cr_assert_eq(d.img[2 * d.ss + 128 * i + k], before[k], "byte %d of the entry changed", k);
	/* Stale until sealed. */
	cr_assert_not(gpt_check_entries(&h, d.img + 2 * d.ss, h.entries_bytes, &why));
	memcpy(d.img + (last - entry_sectors) * d.ss, d.img + 2 * d.ss, 128 * 128);
	uint32_t crc = gpt_crc32(0, d.img + 2 * d.ss, 128 * 128);
	gpt_seal_header(d.img + d.ss, 1, last, 2, crc);
	/* The backup rebuilt from the primary's bytes. */
	memcpy(d.img + last * d.ss, d.img + d.ss, d.ss);
	gpt_seal_header(d.img + last * d.ss, last, 1, last - entry_sectors, crc);
	cr_assert(gpt_check_header(d.img + d.ss, d.ss, 1, last, &h, &why), "%s", why);
	cr_assert(gpt_check_entries(&h, d.img + 2 * d.ss, h.entries_bytes, &why), "%s", why);
	cr_assert(gpt_check_header(d.img + last * d.ss, d.ss, last, last, &hb, &why), "%s", why);
	cr_assert_eq(hb.alternate_lba, 1);
	cr_assert_eq(hb.entries_lba, last - entry_sectors);
	cr_assert(gpt_check_entries(&hb, d.img + hb.entries_lba * d.ss, hb.entries_bytes, &why), "%s", why);
	cr_assert_eq(gpt_entry_attrs(d.img + hb.entries_lba * d.ss, (uint32_t)i), UINT64_C(0x0123456789abcdef));
	free(d.img);
}

/* The label of a disk image, in place: what gpt_slot_apply.c reads from a disk. */
static struct gpt_label label_of(struct disk *d)
{
	uint64_t last = d->sectors - 1, entry_sectors = 128 * 128 / d->ss;

	return (struct gpt_label){ .sector_size = d->ss, .last_lba = last, .primary = d->img + d->ss,
				   .primary_entries = d->img + 2 * d->ss, .primary_entries_len = 128 * 128,
				   .backup = d->img + last * d->ss,
				   .backup_entries = d->img + (last - entry_sectors) * d->ss,
				   .backup_entries_len = 128 * 128 };
}

/* Sets entry i's attribute field in both copies and seals both headers. */
static void set_attrs_both(struct disk *d, uint32_t i, uint64_t attrs)
{
	struct gpt_label l = label_of(d);
	uint64_t entry_sectors = 128 * 128 / d->ss;
	uint32_t crc;

	gpt_entry_set_attrs(l.primary_entries, i, attrs);
	gpt_entry_set_attrs(l.backup_entries, i, attrs);
	crc = gpt_crc32(0, l.primary_entries, 128 * 128);
	gpt_seal_header(l.primary, 1, l.last_lba, 2, crc);
	gpt_seal_header(l.backup, l.last_lba, 1, l.last_lba - entry_sectors, crc);
}

/* The supervisor's mark-good without libfdisk: a slot on trial becomes good (the rule's
 * GOOD: successful, tries 0, priority kept), in both copies, every other bit and byte
 * kept, both copies checking with fresh CRCs; done again, nothing changes. */
Test(gpt, label_mark_good)
{
	struct disk d = slot_disk();
	struct gpt_label l = label_of(&d);
	struct gpt_header ph, bh;
	struct slot_attrs trial = { 7, 2, false }, got;
	uint64_t other = UINT64_C(1) << 0 | UINT64_C(1) << 60;
	const char *why = "";
	bool decided;
	uint8_t *before = copy(d.img, (size_t)d.ss * d.sectors);

	set_attrs_both(&d, 1, slot_attrs_encode(other, &trial));
	memcpy(before, d.img, (size_t)d.ss * d.sectors);
	cr_assert_eq(gpt_label_apply_outcome(&l, 1, SLOT_OUTCOME_GOOD, &decided, &why), 1, "%s", why);
	cr_assert(decided);
	cr_assert(gpt_label_check(&l, &ph, &bh, &why), "%s", why);
	for (int copy_i = 0; copy_i < 2; copy_i++) {
		uint64_t a = gpt_entry_attrs(copy_i ? l.backup_entries : l.primary_entries, 1);
		slot_attrs_decode(a, &got);
		cr_assert(got.successful);
		cr_assert_eq(got.tries, 0);
		cr_assert_eq(got.priority, 7);
		cr_assert_eq(a & other, other, "other attribute bits lost");
	}
	/* Only the attribute field of entry 1 in each array and the CRC fields of each
	 * header changed. */
	{
		size_t last = d.sectors - 1, pe = 2 * d.ss + 128 + 48, be = (last - 128 * 128 / d.ss) * d.ss + 128 + 48;
		for (size_t off = 0; off < (size_t)d.ss * d.sectors; off++) {
			size_t in = off % d.ss, lba = off / d.ss;
			if ((lba == 1 || lba == last) && ((in >= 16 && in < 20) || (in >= 88 && in < 92)))
				continue;
			if ((off >= pe && off < pe + 8) || (off >= be && off < be + 8))
				continue;
			cr_assert_eq(d.img[off], before[off], "byte %zu (LBA %zu) changed", off, lba);
		}
	}
	memcpy(before, d.img, (size_t)d.ss * d.sectors);
	cr_assert_eq(gpt_label_apply_outcome(&l, 1, SLOT_OUTCOME_GOOD, &decided, &why), 0);
	cr_assert(decided);
	cr_assert_eq(memcmp(before, d.img, (size_t)d.ss * d.sectors), 0);
	free(before);
	free(d.img);
}

/* A slot marked unbootable is not made good (the rule decides nothing); a condemned
 * slot becomes unbootable through the same call. */
Test(gpt, label_outcomes_follow_the_rule)
{
	struct disk d = slot_disk();
	struct gpt_label l = label_of(&d);
	struct slot_attrs dead = slot_unbootable(), good = { 15, 0, true }, got;
	const char *why = "";
	bool decided = true;

	set_attrs_both(&d, 2, slot_attrs_encode(0, &dead));
	cr_assert_eq(gpt_label_apply_outcome(&l, 2, SLOT_OUTCOME_GOOD, &decided, &why), 0);
	cr_assert_not(decided);
	set_attrs_both(&d, 1, slot_attrs_encode(0, &good));
	cr_assert_eq(gpt_label_apply_outcome(&l, 1, SLOT_OUTCOME_CONDEMNED, &decided, &why), 1, "%s", why);
	slot_attrs_decode(gpt_entry_attrs(l.backup_entries, 1), &got);
	cr_assert_not(slot_bootable(&got));
	cr_assert_eq(gpt_label_apply_outcome(&l, 1, SLOT_OUTCOME_FAILED, &decided, &why), 0);
	cr_assert_not(decided);
	free(d.img);
}

/* A label that does not check in full is refused and left as it was: a torn primary,
 * a bad backup, two arrays that differ, an unused or missing entry. */
Test(gpt, label_refused)
{
	for (int c = 0; c < 6; c++) {
		struct disk d = slot_disk();
		struct gpt_label l = label_of(&d);
		const char *why = "";
		bool decided = true;
		uint32_t index = 1;
		uint8_t *before;

		switch (c) {
		case 0: tear_primary(&d); break;
		case 1: d.img[(d.sectors - 1) * d.ss + 90] ^= 0xff; break;
		case 2: /* the backup array differs, sealed as valid */
			l.backup_entries[1 * 128 + 60] ^= 1;
			gpt_seal_header(l.backup, l.last_lba, 1, l.last_lba - 128 * 128 / d.ss,
					gpt_crc32(0, l.backup_entries, 128 * 128));
			break;
		case 3: index = 7; break;    /* unused */
		case 4: index = 128; break;  /* past the array */
		case 5: /* the primary names another alternate */
			gpt_seal_header(l.primary, 1, l.last_lba - 1, 2, gpt_crc32(0, l.primary_entries, 128 * 128));
			break;
		}
		before = copy(d.img, (size_t)d.ss * d.sectors);
		cr_assert_eq(gpt_label_apply_outcome(&l, index, SLOT_OUTCOME_GOOD, &decided, &why), -1, "case %d", c);
		cr_assert_not(decided);
		cr_assert_eq(memcmp(before, d.img, (size_t)d.ss * d.sectors), 0, "case %d changed the disk", c);
		free(before);
		free(d.img);
	}
}
