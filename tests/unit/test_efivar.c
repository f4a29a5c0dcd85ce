#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/efivar.h"
#include "efi/load_option.h"

/* An efivarfs file: 4 attribute bytes (volatile: BS|RT = 6), then s as UTF-16LE, with a
 * NUL unit when nul is set. Returns its length. */
static size_t efivar_file(uint8_t *buf, const char *s, int nul)
{
	size_t n = strlen(s), at = 4;

	memcpy(buf, "\x06\x00\x00\x00", 4);
	for (size_t i = 0; i < n; i++, at += 2) {
		buf[at] = (uint8_t)s[i];
		buf[at + 1] = 0;
	}
	if (nul) {
		buf[at] = buf[at + 1] = 0;
		at += 2;
	}
	return at;
}

Test(efivar, text)
{
	uint8_t buf[EFIVAR_FILE_MAX + 16];
	char out[EFIVAR_TEXT_MAX + 1];
	size_t n;

	n = efivar_file(buf, "systemd-stub 252.39-1~deb12u2", 1);
	cr_assert_eq(efivar_parse_text(buf, n, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "systemd-stub 252.39-1~deb12u2");
	n = efivar_file(buf, "hardinit-loader 0.1.0", 0);
	cr_assert_eq(efivar_parse_text(buf, n, out, sizeof(out)), 0, "without its NUL");
	cr_assert_str_eq(out, "hardinit-loader 0.1.0");
}

Test(efivar, text_refused)
{
	uint8_t buf[EFIVAR_FILE_MAX + 64];
	char out[EFIVAR_TEXT_MAX + 1], small[8], longer[EFIVAR_TEXT_MAX + 2];
	size_t n;

	n = efivar_file(buf, "", 1);
	cr_assert_eq(efivar_parse_text(buf, n, out, sizeof(out)), -EINVAL, "empty");
	cr_assert_eq(efivar_parse_text(buf, 3, out, sizeof(out)), -EINVAL, "shorter than the attributes");
	n = efivar_file(buf, "abc", 1);
	cr_assert_eq(efivar_parse_text(buf, n - 1, out, sizeof(out)), -EINVAL, "odd length");
	cr_assert_eq(efivar_parse_text(buf, n, small, 3), -EINVAL, "longer than out");
	cr_assert_eq(efivar_parse_text(buf, n, small, sizeof(small)), 0);
	n = efivar_file(buf, "a\nb", 1);
	cr_assert_eq(efivar_parse_text(buf, n, out, sizeof(out)), -EINVAL, "a newline");
	cr_assert_str_eq(out, "");
	n = efivar_file(buf, "ab", 1);
	buf[7] = 0x01;                          /* 'b' as U+0162 */
	cr_assert_eq(efivar_parse_text(buf, n, out, sizeof(out)), -EINVAL, "not ASCII");
	n = efivar_file(buf, "ab", 1);
	buf[6] = buf[7] = 0;                    /* a NUL before the end */
	cr_assert_eq(efivar_parse_text(buf, n, out, sizeof(out)), -EINVAL, "an inner NUL");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	n = efivar_file(buf, longer, 1);
	cr_assert_eq(efivar_parse_text(buf, n, out, sizeof(out)), -EINVAL, "longer than EFIVAR_TEXT_MAX");
	longer[EFIVAR_TEXT_MAX] = '\0';
	n = efivar_file(buf, longer, 1);
	cr_assert_eq(n, (size_t)EFIVAR_FILE_MAX);
	cr_assert_eq(efivar_parse_text(buf, n, out, sizeof(out)), 0, "exactly EFIVAR_TEXT_MAX");
	cr_assert_eq(efivar_parse_text(NULL, 10, out, sizeof(out)), -EINVAL);
}

Test(efivar, uuid)
{
	uint8_t buf[EFIVAR_FILE_MAX];
	char out[EFIVAR_UUID_LEN + 1];
	const char *bad[] = { "AD3CA612-7BB8-7B40-B826-54BC3060FDE", "AD3CA612-7BB8-7B40-B826-54BC3060FDE55",
			      "AD3CA612_7BB8-7B40-B826-54BC3060FDE5", "AD3CA612-7BB8-7B40-B826-54BC3060FDEG",
			      "{D3CA612-7BB8-7B40-B826-54BC3060FDE5", "" };
	size_t n = efivar_file(buf, "AD3CA612-7BB8-7B40-B826-54BC3060FDE5", 1);

	cr_assert_eq(efivar_parse_uuid(buf, n, out), 0);
	cr_assert_str_eq(out, "ad3ca612-7bb8-7b40-b826-54bc3060fde5");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = efivar_file(buf, bad[i], 1);
		cr_assert_eq(efivar_parse_uuid(buf, n, out), -EINVAL, "%s", bad[i]);
		cr_assert_str_eq(out, "");
	}
}

/* Random bytes of every length up to past EFIVAR_FILE_MAX, each in a buffer of exactly
 * that size (out-of-bounds reads show under make check-san): never a crash; a success
 * only with printable ASCII out. The same for the loader's description reader. */
Test(efivar, fuzz_values, .timeout = 60)
{
	uint64_t seed = 0x2545f4914f6cdd1du;
	char out[EFIVAR_TEXT_MAX + 1], uuid[EFIVAR_UUID_LEN + 1];

	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)round % (EFIVAR_FILE_MAX + 8);
		uint8_t *buf = malloc(len ? len : 1);

		for (size_t i = 0; i < len; i++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			/* mostly ASCII units, so that some values parse */
			buf[i] = (i % 2 && seed % 8) ? 0 : (uint8_t)(seed % 8 ? 0x20 + (seed >> 8) % 0x5f : seed >> 16);
		}
		if (efivar_parse_text(buf, len, out, sizeof(out)) == 0) {
			cr_assert_gt(strlen(out), 0);
			for (const char *c = out; *c; c++)
				cr_assert(*c >= 0x20 && *c <= 0x7e);
		}
		if (efivar_parse_uuid(buf, len, uuid) == 0)
			cr_assert_eq(strlen(uuid), EFIVAR_UUID_LEN);
		(void)load_option_has_description(buf, len, "hardinit loader (bootefi-a)");
		(void)load_option_boot_number((const uint16_t *)(const void *)buf, len / 2);
		free(buf);
	}
}
