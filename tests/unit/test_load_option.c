#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "efi/load_option.h"

/* The load option bytes are checked against the UEFI layout written out here by hand:
 * attributes, FilePathListLength, UCS-2 description, HD node (type 4 subtype 1, 42
 * bytes), file node (type 4 subtype 4), end node (7f ff 04 00). */

static const struct load_option_part part = {
	.number = 2, .start_lba = 4096, .size_lba = 2048,
	.guid = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f },
};

static size_t ucs2(uint8_t *p, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i <= n; i++) {
		p[2 * i] = (uint8_t)s[i];
		p[2 * i + 1] = 0;
	}
	return 2 * (n + 1);
}

Test(load_option, build_layout)
{
	uint8_t got[LOAD_OPTION_MAX], want[LOAD_OPTION_MAX] = { 0 };
	size_t n = load_option_build("hl (x)", &part, "\\A.EFI", got, sizeof(got)), at = 0, dp;

	want[0] = 1;                                  /* LOAD_OPTION_ACTIVE */
	dp = 42 + 4 + 2 * 7 + 4;
	want[4] = (uint8_t)dp;
	at = 6 + ucs2(want + 6, "hl (x)");
	memcpy(want + at, "\x04\x01\x2a\x00" "\x02\x00\x00\x00" "\x00\x10\x00\x00\x00\x00\x00\x00"
			  "\x00\x08\x00\x00\x00\x00\x00\x00", 24);
	memcpy(want + at + 24, part.guid, 16);
	want[at + 40] = 2;                            /* MBR type: GPT */
	want[at + 41] = 2;                            /* signature type: GUID */
	at += 42;
	memcpy(want + at, "\x04\x04", 2);
	want[at + 2] = 4 + 2 * 7;
	at += 4 + ucs2(want + at + 4, "\\A.EFI");
	memcpy(want + at, "\x7f\xff\x04\x00", 4);
	at += 4;
	cr_assert_eq(n, at);
	cr_assert_eq(memcmp(got, want, n), 0);
	cr_assert(load_option_has_description(got, n, "hl (x)"));
	cr_assert_not(load_option_has_description(got, n, "hl (y)"));
	cr_assert_not(load_option_has_description(got, n, "hl ("));
	cr_assert_not(load_option_has_description(got, n, "hl (x)z"));
}

Test(load_option, build_refuses)
{
	uint8_t buf[LOAD_OPTION_MAX];
	char long_text[LOAD_OPTION_TEXT_MAX + 2];

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	cr_assert_eq(load_option_build("", &part, "\\A", buf, sizeof(buf)), 0);
	cr_assert_eq(load_option_build("d", &part, "", buf, sizeof(buf)), 0);
	cr_assert_eq(load_option_build("d\n", &part, "\\A", buf, sizeof(buf)), 0);
	cr_assert_eq(load_option_build("d", &part, "\\\xc3\xa9", buf, sizeof(buf)), 0);
	cr_assert_eq(load_option_build(long_text, &part, "\\A", buf, sizeof(buf)), 0);
	cr_assert_eq(load_option_build("d", NULL, "\\A", buf, sizeof(buf)), 0);
	cr_assert_eq(load_option_build("d", &part, "\\A", buf, 40), 0, "too small a buffer");
	cr_assert_gt(load_option_build("d", &part, "\\A", buf, sizeof(buf)), 0);
}

/* A description that runs to the end of the bytes (no NUL), or bytes shorter than the
 * header, is no match; every truncation of a valid option is read within its length. */
Test(load_option, description_bounded)
{
	uint8_t buf[LOAD_OPTION_MAX];
	size_t n = load_option_build("hardinit loader (bootefi-a)", &part, "\\EFI\\BOOT\\BOOTX64.EFI", buf, sizeof(buf));

	cr_assert_gt(n, 0);
	for (size_t len = 0; len < 6 + 2 * 28; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		cr_assert_not(load_option_has_description(copy, len, "hardinit loader (bootefi-a)"), "len %zu", len);
		free(copy);
	}
	cr_assert(load_option_has_description(buf, 6 + 2 * 28, "hardinit loader (bootefi-a)"));
	cr_assert_not(load_option_has_description(NULL, 100, "x"));
}

Test(load_option, boot_number)
{
	uint16_t name[LOAD_OPTION_NAME_UNITS];
	const char *bad[] = { "Boot", "Boot000", "Boot000a", "BootOrder", "boot0001", "Boot0001X", "Boot00G1", "Driver0001" };

	load_option_boot_name(0x0a3f, name);
	cr_assert_eq(load_option_boot_number(name, 9), 0x0a3f);
	cr_assert_eq(load_option_boot_number(name, 8), 0x0a3f);
	cr_assert_eq(name[8], 0);
	cr_assert_eq(name[4], '0');
	cr_assert_eq(name[5], 'A');
	load_option_boot_name(0xffff, name);
	cr_assert_eq(load_option_boot_number(name, 9), 0xffff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t u[16] = { 0 };
		size_t n = strlen(bad[i]);
		for (size_t k = 0; k < n; k++)
			u[k] = (uint8_t)bad[i][k];
		cr_assert_eq(load_option_boot_number(u, n + 1), -1, "%s", bad[i]);
	}
	cr_assert_eq(load_option_boot_number(NULL, 9), -1);
}

static const char *const desc[2] = { "hardinit loader (bootefi-a)", "hardinit loader (bootefi-b)" };

struct wanted {
	uint8_t buf[2][LOAD_OPTION_MAX];
	const uint8_t *want[2];
	size_t len[2];
};

static void build_wanted(struct wanted *w, uint64_t start_b)
{
	struct load_option_part pb = part;

	pb.start_lba = start_b;
	w->len[0] = load_option_build(desc[0], &part, "\\EFI\\BOOT\\BOOTX64.EFI", w->buf[0], LOAD_OPTION_MAX);
	w->len[1] = load_option_build(desc[1], &pb, "\\EFI\\BOOT\\BOOTX64.EFI", w->buf[1], LOAD_OPTION_MAX);
	w->want[0] = w->buf[0];
	w->want[1] = w->buf[1];
}

/* No entries yet: the two lowest free numbers, both written. */
Test(load_option, plan_fresh)
{
	struct wanted w;
	uint8_t other[8] = { 1, 0, 4, 0, 'x', 0, 0, 0 };
	struct load_option_seen seen[] = { { 0, other, 8 }, { 1, NULL, 0 }, { 3, other, 8 } };
	struct load_option_plan p;

	build_wanted(&w, 6144);
	cr_assert_eq(load_option_plan_entries(seen, 3, w.want, w.len, desc, &p), 0);
	cr_assert_eq(p.number[0], 2);
	cr_assert_eq(p.number[1], 4);
	cr_assert(p.write[0] && p.write[1]);
}

/* Both in place, byte for byte: nothing is written. One with the description but other
 * bytes (a partition moved): rewritten at its number. */
Test(load_option, plan_in_place_and_stale)
{
	struct wanted w, old;
	struct load_option_seen seen[3];
	struct load_option_plan p;

	build_wanted(&w, 6144);
	build_wanted(&old, 8192);
	seen[0] = (struct load_option_seen){ 7, w.buf[1], w.len[1] };
	seen[1] = (struct load_option_seen){ 0, NULL, 0 };
	seen[2] = (struct load_option_seen){ 5, w.buf[0], w.len[0] };
	cr_assert_eq(load_option_plan_entries(seen, 3, w.want, w.len, desc, &p), 0);
	cr_assert_eq(p.number[0], 5);
	cr_assert_eq(p.number[1], 7);
	cr_assert_not(p.write[0] || p.write[1]);

	seen[0] = (struct load_option_seen){ 7, old.buf[1], old.len[1] };
	cr_assert_eq(load_option_plan_entries(seen, 3, w.want, w.len, desc, &p), 0);
	cr_assert_eq(p.number[0], 5);
	cr_assert_not(p.write[0]);
	cr_assert_eq(p.number[1], 7);
	cr_assert(p.write[1]);
}

/* Every number taken: no plan. */
Test(load_option, plan_full)
{
	struct wanted w;
	struct load_option_seen *seen = calloc(0x10000, sizeof(*seen));
	struct load_option_plan p;

	build_wanted(&w, 6144);
	for (uint32_t i = 0; i < 0x10000; i++)
		seen[i].number = (uint16_t)i;
	cr_assert_eq(load_option_plan_entries(seen, 0x10000, w.want, w.len, desc, &p), -1);
	/* One free number is not enough for two. */
	seen[9].number = 8;
	cr_assert_eq(load_option_plan_entries(seen, 0x10000, w.want, w.len, desc, &p), -1);
	free(seen);
}

Test(load_option, boot_order)
{
	const uint16_t first[2] = { 5, 7 };
	uint16_t out[8];
	bool changed;
	size_t n;

	n = load_option_boot_order((const uint16_t[]){ 5, 7, 1, 2 }, 4, first, out, &changed);
	cr_assert_eq(n, 4);
	cr_assert_not(changed, "already leading");
	n = load_option_boot_order((const uint16_t[]){ 1, 5, 2, 7 }, 4, first, out, &changed);
	cr_assert(changed);
	cr_assert_eq(n, 4);
	cr_assert_eq(memcmp(out, ((const uint16_t[]){ 5, 7, 1, 2 }), sizeof(uint16_t) * 4), 0);
	n = load_option_boot_order((const uint16_t[]){ 7, 5, 1 }, 3, first, out, &changed);
	cr_assert(changed, "swapped");
	cr_assert_eq(memcmp(out, ((const uint16_t[]){ 5, 7, 1 }), sizeof(uint16_t) * 3), 0);
	n = load_option_boot_order(NULL, 0, first, out, &changed);
	cr_assert(changed);
	cr_assert_eq(n, 2);
	n = load_option_boot_order((const uint16_t[]){ 1, 5, 5, 2 }, 4, first, out, &changed);
	cr_assert(changed);
	cr_assert_eq(n, 4);
	cr_assert_eq(memcmp(out, ((const uint16_t[]){ 5, 7, 1, 2 }), sizeof(uint16_t) * 4), 0);
}
