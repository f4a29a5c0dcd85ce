#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "common/hex.h"
#include "tpm/data_marker.h"
#include "tpm/tpm2_cmd.h"

/* Markers as hardinit wrote them into swtpm (tests/tpm/nv_swtpm.c: the NV_Write
 * commands of build/nv-swtpm.record). The CRC-32 at the end is zlib's, checked with
 * Python: zlib.crc32(bytes.fromhex(first 80 hex digits)). */
#define FORMATTING_HEX "68646d6b010100000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2033948ccf"
#define MIGRATING_HEX "68646d6b01020000a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf8c77bff5"
#define SEALED_HEX "68646d6b010300000000000000000000000000000000000000000000000000000000000000000000e9351c96"
/* Not written by hardinit; encoded with Python as data_marker.h describes. */
#define NONE_HEX "68646d6b01000000000000000000000000000000000000000000000000000000000000000000000062e6228f"

/* Markers that data_marker_encode would not write, each with a valid checksum (Python). */
static const char *const invalid[] = {
	"68646d6b020100000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f205774f731", /* version 2 */
	"68646d6b010400000000000000000000000000000000000000000000000000000000000000000000ea7c712d", /* state 4 */
	"68646d6b010300010000000000000000000000000000000000000000000000000000000000000000dfc78c65", /* reserved set */
	"68646d6b010300000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2077d9a51e", /* sealed, a key */
	"68646d6b01020000000000000000000000000000000000000000000000000000000000000000000026ab0b5e", /* migrating, no key */
};

TestSuite(data_marker, .timeout = 10);

static void bytes(const char *hex, uint8_t out[DATA_MARKER_SIZE])
{
	cr_assert_eq(hex_decode(hex, out, DATA_MARKER_SIZE), DATA_MARKER_SIZE, "%s", hex);
}

static struct data_marker marker(enum data_marker_state state, uint8_t first)
{
	struct data_marker m = { .state = state };

	if (first)
		for (int i = 0; i < DATA_MARKER_KEY_SIZE; i++)
			m.key[i] = (uint8_t)(first + i);
	return m;
}

Test(data_marker, encode)
{
	const struct { struct data_marker m; const char *hex; } all[] = {
		{ marker(DATA_MARKER_FORMATTING, 0x01), FORMATTING_HEX },
		{ marker(DATA_MARKER_MIGRATING, 0xa0), MIGRATING_HEX },
		{ marker(DATA_MARKER_SEALED, 0), SEALED_HEX },
		{ marker(DATA_MARKER_NONE, 0), NONE_HEX },
	};
	uint8_t out[DATA_MARKER_SIZE], want[DATA_MARKER_SIZE];
	struct fault f = { "" };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		cr_assert_eq(data_marker_encode(&all[i].m, out, &f), 0, "%s", f.text);
		bytes(all[i].hex, want);
		cr_assert_arr_eq(out, want, DATA_MARKER_SIZE, "state %d", all[i].m.state);
	}
}

/* The key rule: a key exactly under FORMATTING and MIGRATING; a state hardinit knows. */
Test(data_marker, encode_refused)
{
	struct data_marker m = marker(DATA_MARKER_SEALED, 0x01);
	uint8_t out[DATA_MARKER_SIZE];
	struct fault f = { "" };

	cr_assert_eq(data_marker_encode(&m, out, &f), -EINVAL, "SEALED with a key");
	cr_assert_not_null(strstr(f.text, "sealed with a key"), "%s", f.text);
	m = marker(DATA_MARKER_NONE, 0x01);
	cr_assert_eq(data_marker_encode(&m, out, &f), -EINVAL, "NONE with a key");
	m = marker(DATA_MARKER_FORMATTING, 0);
	cr_assert_eq(data_marker_encode(&m, out, &f), -EINVAL, "FORMATTING without its key");
	m = marker(DATA_MARKER_MIGRATING, 0);
	cr_assert_eq(data_marker_encode(&m, out, &f), -EINVAL, "MIGRATING without its key");
	m = marker(DATA_MARKER_MIGRATING, 0);
	m.key[31] = 1;
	cr_assert_eq(data_marker_encode(&m, out, &f), 0, "one non-zero byte is a key");
	m = marker((enum data_marker_state)4, 0);
	cr_assert_eq(data_marker_encode(&m, out, &f), -EINVAL, "an unknown state");
}

Test(data_marker, decode)
{
	const struct { const char *hex; struct data_marker m; } all[] = {
		{ FORMATTING_HEX, marker(DATA_MARKER_FORMATTING, 0x01) },
		{ MIGRATING_HEX, marker(DATA_MARKER_MIGRATING, 0xa0) },
		{ SEALED_HEX, marker(DATA_MARKER_SEALED, 0) },
		{ NONE_HEX, marker(DATA_MARKER_NONE, 0) },
	};
	uint8_t in[DATA_MARKER_SIZE];
	struct fault f = { "" };
	struct data_marker m;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		bytes(all[i].hex, in);
		cr_assert_eq(data_marker_decode(in, sizeof(in), &m, &f), 0, "%s: %s", all[i].hex, f.text);
		cr_assert_eq(m.state, all[i].m.state);
		cr_assert_arr_eq(m.key, all[i].m.key, DATA_MARKER_KEY_SIZE);
	}
}

/* Every single bit flipped anywhere (a foreign index, a torn or damaged write) is
 * refused, and the marker comes back zeroed. */
Test(data_marker, decode_every_bit_flip)
{
	uint8_t in[DATA_MARKER_SIZE];
	struct fault f = { "" };
	struct data_marker m;
	static const uint8_t zero[DATA_MARKER_KEY_SIZE];

	for (size_t bit = 0; bit < 8 * DATA_MARKER_SIZE; bit++) {
		bytes(FORMATTING_HEX, in);
		in[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memset(&m, 0x55, sizeof(m));
		cr_assert_eq(data_marker_decode(in, sizeof(in), &m, &f), -EBADMSG, "bit %zu", bit);
		cr_assert_eq(m.state, DATA_MARKER_NONE);
		cr_assert_arr_eq(m.key, zero, sizeof(zero), "bit %zu: the key zeroed", bit);
	}
}

/* A checksum that matches does not make a marker valid: version, state, reserved bytes
 * and the key rule are checked on their own. */
Test(data_marker, decode_invalid)
{
	uint8_t in[DATA_MARKER_SIZE];
	struct fault f = { "" };
	struct data_marker m;

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		bytes(invalid[i], in);
		cr_assert_eq(data_marker_decode(in, sizeof(in), &m, &f), -EBADMSG, "%s", invalid[i]);
		cr_assert_null(strstr(f.text, "checksum"), "%s: %s", invalid[i], f.text);
	}
	bytes(SEALED_HEX, in);
	cr_assert_eq(data_marker_decode(in, sizeof(in) - 1, &m, &f), -EBADMSG, "43 bytes");
	memset(in, 0, sizeof(in));
	cr_assert_eq(data_marker_decode(in, sizeof(in), &m, &f), -EBADMSG, "zeros");
	cr_assert_not_null(strstr(f.text, "no magic"), "%s", f.text);
}

Test(data_marker, round_trip)
{
	uint8_t out[DATA_MARKER_SIZE];
	struct fault f = { "" };
	struct data_marker in = marker(DATA_MARKER_MIGRATING, 0xf0), m;

	cr_assert_eq(data_marker_encode(&in, out, &f), 0, "%s", f.text);
	cr_assert_eq(data_marker_decode(out, sizeof(out), &m, &f), 0, "%s", f.text);
	cr_assert_eq(m.state, in.state);
	cr_assert_arr_eq(m.key, in.key, DATA_MARKER_KEY_SIZE);
}

/* The public area hardinit defines, marshalled: the NV_DefineSpace swtpm accepted
 * (tests/unit/test_tpm2.c has the whole command; its TPM2B_NV_PUBLIC is tpm2-tools'). */
Test(data_marker, public_area)
{
	struct tpm2_nv_public pub;
	uint8_t buf[128], want[14];

	data_marker_public(DATA_MARKER_HANDLE, &pub);
	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(buf)), 45);
	cr_assert_eq(hex_decode("01a0da7a000b820400040000002c", want, sizeof(want)), 14);
	cr_assert_arr_eq(buf + 31, want, sizeof(want));
	cr_assert_eq(pub.attributes, 0x82040004u, "AUTHWRITE | AUTHREAD | NO_DA | READ_STCLEAR");
	cr_assert_eq(pub.attributes & TPM2_NV_ORDERLY, 0, "a write is in NV when the TPM answers");
}

Test(data_marker, check_public)
{
	struct tpm2_nv_public pub, ours;
	struct fault f = { "" };

	data_marker_public(DATA_MARKER_HANDLE, &ours);
	cr_assert_eq(data_marker_check_public(&ours, DATA_MARKER_HANDLE, &f), 0, "%s", f.text);
	pub = ours;
	pub.attributes |= TPM2_NV_WRITTEN | TPM2_NV_READLOCKED;
	cr_assert_eq(data_marker_check_public(&pub, DATA_MARKER_HANDLE, &f), 0, "the TPM's state bits: %s", f.text);
	cr_assert_eq(data_marker_check_public(&ours, DATA_MARKER_HANDLE + 1, &f), -EEXIST, "another handle");
	pub = ours;
	pub.name_alg = TPM2_ALG_SHA1;
	cr_assert_eq(data_marker_check_public(&pub, DATA_MARKER_HANDLE, &f), -EEXIST, "SHA-1");
	pub = ours;
	pub.policy_size = 32;
	cr_assert_eq(data_marker_check_public(&pub, DATA_MARKER_HANDLE, &f), -EEXIST, "a policy");
	pub = ours;
	pub.data_size = DATA_MARKER_SIZE + 1;
	cr_assert_eq(data_marker_check_public(&pub, DATA_MARKER_HANDLE, &f), -EEXIST, "45 bytes");
	pub.data_size = DATA_MARKER_SIZE - 1;
	cr_assert_eq(data_marker_check_public(&pub, DATA_MARKER_HANDLE, &f), -EEXIST, "43 bytes");
}

/* Any attribute bit other than the TPM's state bits, set or cleared, makes the index
 * foreign: owner or platform read or write, policy read or write, ORDERLY, another index
 * type, write locks, POLICY_DELETE, PLATFORMCREATE, … */
Test(data_marker, check_public_every_attribute)
{
	struct tpm2_nv_public pub;
	struct fault f = { "" };

	for (int bit = 0; bit < 32; bit++) {
		data_marker_public(DATA_MARKER_HANDLE, &pub);
		pub.attributes ^= 1u << bit;
		if ((1u << bit) & (TPM2_NV_WRITTEN | TPM2_NV_READLOCKED))
			cr_assert_eq(data_marker_check_public(&pub, DATA_MARKER_HANDLE, &f), 0, "bit %d", bit);
		else
			cr_assert_eq(data_marker_check_public(&pub, DATA_MARKER_HANDLE, &f), -EEXIST, "bit %d", bit);
	}
}

Test(data_marker, handles)
{
	cr_assert(data_marker_handle_ok(DATA_MARKER_HANDLE));
	cr_assert(data_marker_handle_ok(0x01800000));
	cr_assert(data_marker_handle_ok(0x01bfffff));
	cr_assert_not(data_marker_handle_ok(0x017fffff), "platform range");
	cr_assert_not(data_marker_handle_ok(0x01c00000), "TCG range (EK certificates)");
	cr_assert_not(data_marker_handle_ok(0x81000001), "a persistent object");
}

Test(data_marker, state_names)
{
	cr_assert_str_eq(data_marker_state_name(DATA_MARKER_NONE), "none");
	cr_assert_str_eq(data_marker_state_name(DATA_MARKER_FORMATTING), "formatting");
	cr_assert_str_eq(data_marker_state_name(DATA_MARKER_MIGRATING), "migrating");
	cr_assert_str_eq(data_marker_state_name(DATA_MARKER_SEALED), "sealed");
	cr_assert_null(data_marker_state_name((enum data_marker_state)4));
}
