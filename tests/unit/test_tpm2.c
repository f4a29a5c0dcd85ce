#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "common/hex.h"
#include "tpm/tpm2_cmd.h"

/* The bytes below were exchanged with swtpm 0.7.1 (a TPM 2.0 with its four default
 * banks, every PCR allocated): the commands as hardinit built them, the responses as
 * the TPM sent them back. */

static const uint8_t get_banks_cmd[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x01, 0x7a, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};

static const uint8_t get_banks_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x04, 0x00, 0x04, 0x03, 0xff, 0xff, 0xff, 0x00, 0x0b, 0x03, 0xff, 0xff, 0xff, 0x00,
	0x0c, 0x03, 0xff, 0xff, 0xff, 0x00, 0x0d, 0x03, 0xff, 0xff, 0xff,
};

/* PCR_Extend of PCR 11 with "enter-initrd" in the four banks. */
static const uint8_t extend_cmd[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0xcb, 0x00, 0x00, 0x01, 0x82, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00,
	0x00, 0x09, 0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
	0x04, 0xb1, 0xb0, 0x1d, 0x5f, 0x73, 0xf3, 0x21, 0xeb, 0x70, 0xe7, 0x6f, 0x8a, 0x0e, 0x24, 0x1a,
	0xc0, 0xa3, 0xfa, 0x4a, 0x6e, 0x00, 0x0b, 0x51, 0xe6, 0xb9, 0x2f, 0x40, 0x5d, 0x1f, 0x98, 0xd9,
	0x6e, 0x3d, 0xe3, 0x43, 0xd6, 0x1d, 0x42, 0x0a, 0xd6, 0x92, 0x3b, 0x25, 0xde, 0x21, 0xd7, 0x66,
	0xf9, 0x29, 0x81, 0x92, 0xf1, 0x4f, 0xed, 0x00, 0x0c, 0x68, 0x7e, 0xef, 0x3a, 0x3a, 0x8c, 0x71,
	0x64, 0x39, 0xb5, 0xed, 0x58, 0x36, 0x57, 0xe8, 0x66, 0x84, 0x01, 0x63, 0x0c, 0x32, 0x1f, 0x2f,
	0x35, 0xd1, 0x9b, 0x95, 0x3d, 0xdf, 0x20, 0xb6, 0x8a, 0x96, 0x47, 0x4d, 0x0c, 0x2e, 0x5f, 0x0e,
	0x17, 0x57, 0xbf, 0xa5, 0xba, 0x70, 0xb9, 0xfc, 0x32, 0x00, 0x0d, 0xab, 0x0d, 0xdf, 0xda, 0xbe,
	0x43, 0xf1, 0xd0, 0x6b, 0x3e, 0x58, 0xfb, 0xe1, 0x74, 0x39, 0xa0, 0xf7, 0xf5, 0x52, 0xe9, 0xe2,
	0x28, 0xd8, 0x56, 0x65, 0xd4, 0x85, 0xec, 0xec, 0xf7, 0xe7, 0x33, 0xba, 0xe4, 0xcd, 0x7e, 0x0a,
	0x17, 0xe5, 0x45, 0x6e, 0x2e, 0xe7, 0xe4, 0x12, 0xf5, 0xa0, 0xf3, 0x7d, 0xe0, 0x5a, 0x78, 0x2c,
	0xce, 0x78, 0x1e, 0x17, 0x3e, 0xe2, 0x69, 0x58, 0xde, 0x7f, 0x30,
};

static const uint8_t extend_rsp[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00,
};

/* PCR 17 is extended only from locality 4: TPM_RC_LOCALITY. */
static const uint8_t locality_rsp[] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x09, 0x07 };

/* PCR_Read of PCRs 11 and 15, SHA-256. */
static const uint8_t read_cmd[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 0x7e, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0b,
	0x03, 0x00, 0x88, 0x00,
};

/* PCR 11 after "enter-initrd" on a fresh TPM, PCR 15 untouched. */
static const uint8_t read_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x0b, 0x03, 0x00, 0x88, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x20, 0xd1, 0x5b,
	0x0e, 0x8e, 0x24, 0x4e, 0x65, 0xc4, 0x0f, 0x02, 0x4e, 0x95, 0x77, 0x3f, 0x23, 0x47, 0xce, 0x4e,
	0xf3, 0xff, 0xe6, 0xb5, 0x97, 0xc9, 0xa1, 0x4b, 0x50, 0xbb, 0xab, 0x6d, 0xf3, 0x19, 0x00, 0x20,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};


/* The NV commands of the data marker, exchanged with swtpm 0.7.1 by tests/tpm/nv_swtpm.c
 * (make check-tpm writes the exchange to build/nv-swtpm.record). */

/* NV_DefineSpace of the data marker's index: 0x01a0da7a, SHA-256, AUTHWRITE | AUTHREAD |
 * NO_DA | READ_STCLEAR, no policy, 44 bytes, an empty authValue; as TPM_RH_OWNER with the
 * empty password. The TPM2B_NV_PUBLIC (from 0x000e on) is the one tpm2-tools 5.4 sent for
 * `tpm2_nvdefine 0x01A0DA7A -C o -s 44 -a "authread|authwrite|no_da|read_stclear"`. */
static const uint8_t nv_define_cmd[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x2d, 0x00, 0x00, 0x01, 0x2a, 0x40, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x09, 0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x01,
	0xa0, 0xda, 0x7a, 0x00, 0x0b, 0x82, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x2c,
};

/* The success of NV_DefineSpace, NV_Write and NV_ReadLock (and of PCR_Extend): no
 * parameters, the password session's response area. */
static const uint8_t nv_ok_rsp[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00,
};

/* NV_DefineSpace of an index already defined: TPM_RC_NV_DEFINED. */
static const uint8_t nv_defined_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x4c,
};

/* NV_ReadPublic, NV_Read or NV_Write of an index not defined: TPM_RC_HANDLE (handle 1). */
static const uint8_t nv_handle_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x8b,
};

static const uint8_t nv_read_public_cmd[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x01, 0x69, 0x01, 0xa0, 0xda, 0x7a,
};

/* The index once written (TPMA_NV_WRITTEN): its public area, then its name, SHA-256 of
 * the public area (printf '\x01\xa0\xda\x7a\x00\x0b\xa2\x04\x00\x04\x00\x00\x00\x2c' |
 * sha256sum: af4f5792…). The same bytes as tpm2-tools' exchange. */
static const uint8_t nv_read_public_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x3e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x01, 0xa0, 0xda, 0x7a,
	0x00, 0x0b, 0xa2, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x22, 0x00, 0x0b, 0xaf, 0x4f,
	0x57, 0x92, 0x46, 0xc7, 0xa4, 0x96, 0xfd, 0xb1, 0xa7, 0xc8, 0x58, 0x1b, 0x39, 0x4b, 0xed, 0x02,
	0xb0, 0x27, 0xfd, 0x9a, 0x2b, 0xd4, 0x52, 0xfd, 0x0c, 0x99, 0x8b, 0xb9, 0xe5, 0xc2,
};

/* The same after NV_ReadLock (TPMA_NV_READLOCKED too). */
static const uint8_t nv_read_public_locked_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x3e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x01, 0xa0, 0xda, 0x7a,
	0x00, 0x0b, 0xb2, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x22, 0x00, 0x0b, 0xd8, 0x25,
	0x55, 0xb2, 0xc0, 0x64, 0xd2, 0x7a, 0xbe, 0x9a, 0x1a, 0x5d, 0x46, 0x58, 0x30, 0x13, 0xb5, 0x1a,
	0x76, 0x5b, 0x64, 0x51, 0xf5, 0x7b, 0x05, 0x93, 0xa5, 0xee, 0xe3, 0xd7, 0xd9, 0x0a,
};

/* NV_Read of the 44 bytes at offset 0, authorised by the index with the empty password. */
static const uint8_t nv_read_cmd[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x23, 0x00, 0x00, 0x01, 0x4e, 0x01, 0xa0, 0xda, 0x7a, 0x01, 0xa0,
	0xda, 0x7a, 0x00, 0x00, 0x00, 0x09, 0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x2c, 0x00, 0x00,
};

/* The marker in state FORMATTING with the key 01 02 … 20 (tests/unit/test_data_marker.c). */
static const uint8_t nv_read_rsp[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2e, 0x00, 0x2c,
	0x68, 0x64, 0x6d, 0x6b, 0x01, 0x01, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x33, 0x94, 0x8c, 0xcf, 0x00, 0x00, 0x01, 0x00,
	0x00,
};

/* NV_Read after NV_ReadLock: TPM_RC_NV_LOCKED. */
static const uint8_t nv_locked_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x48,
};

/* NV_Read of an index never written: TPM_RC_NV_UNINITIALIZED. */
static const uint8_t nv_uninitialized_rsp[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x4a,
};

/* NV_Write of that marker at offset 0. */
static const uint8_t nv_write_cmd[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x4f, 0x00, 0x00, 0x01, 0x37, 0x01, 0xa0, 0xda, 0x7a, 0x01, 0xa0,
	0xda, 0x7a, 0x00, 0x00, 0x00, 0x09, 0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x2c, 0x68, 0x64, 0x6d, 0x6b, 0x01, 0x01, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x33, 0x94, 0x8c, 0xcf, 0x00, 0x00,
};

static const uint8_t nv_read_lock_cmd[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x01, 0x4f, 0x01, 0xa0, 0xda, 0x7a, 0x01, 0xa0,
	0xda, 0x7a, 0x00, 0x00, 0x00, 0x09, 0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define PCRS_11_15 (1u << 11 | 1u << 15)
#define INDEX 0x01a0da7au

TestSuite(tpm2, .timeout = 10);

/* A digest of alg from hex. */
static struct tpm2_digest digest(uint16_t alg, const char *hex)
{
	struct tpm2_digest d = { .alg = alg };

	d.size = (uint8_t)hex_decode(hex, d.bytes, sizeof(d.bytes));
	return d;
}

Test(tpm2, build_get_pcr_banks)
{
	uint8_t buf[64];

	cr_assert_eq(tpm2_build_get_pcr_banks(buf, sizeof(buf)), (ssize_t)sizeof(get_banks_cmd));
	cr_assert_arr_eq(buf, get_banks_cmd, sizeof(get_banks_cmd));
	cr_assert_eq(tpm2_build_get_pcr_banks(buf, sizeof(get_banks_cmd) - 1), -E2BIG);
}

/* "enter-initrd" hashed by each algorithm (independent values: sha1sum, sha256sum,
 * sha384sum, sha512sum of the word without a newline). */
Test(tpm2, build_pcr_extend)
{
	struct tpm2_digest d[4] = {
		digest(TPM2_ALG_SHA1, "b1b01d5f73f321eb70e76f8a0e241ac0a3fa4a6e"),
		digest(TPM2_ALG_SHA256, "51e6b92f405d1f98d96e3de343d61d420ad6923b25de21d766f9298192f14fed"),
		digest(TPM2_ALG_SHA384, "687eef3a3a8c716439b5ed583657e8668401630c321f2f35d19b953ddf20b68a96474d0c2e5f0e1757bfa5ba70b9fc32"),
		digest(TPM2_ALG_SHA512, "ab0ddfdabe43f1d06b3e58fbe17439a0f7f552e9e228d85665d485ececf7e733bae4cd7e0a17e5456e2ee7e412f5a0f37de05a782cce781e173ee26958de7f30"),
	};
	uint8_t buf[TPM2_BUFFER_MAX];

	cr_assert_eq(tpm2_build_pcr_extend(11, d, 4, buf, sizeof(buf)), (ssize_t)sizeof(extend_cmd));
	cr_assert_arr_eq(buf, extend_cmd, sizeof(extend_cmd));
	cr_assert_eq(tpm2_build_pcr_extend(11, d, 4, buf, sizeof(extend_cmd) - 1), -E2BIG);
	cr_assert_eq(tpm2_build_pcr_extend(24, d, 4, buf, sizeof(buf)), -EINVAL, "no PCR 24");
	cr_assert_eq(tpm2_build_pcr_extend(11, d, 0, buf, sizeof(buf)), -EINVAL, "no digest");
	d[1].size = 20;
	cr_assert_eq(tpm2_build_pcr_extend(11, d, 4, buf, sizeof(buf)), -EINVAL, "a SHA-256 digest of 20 bytes");
	d[1].size = 32;
	d[1].alg = 0x0012;                      /* SM3_256: not one hardinit knows */
	cr_assert_eq(tpm2_build_pcr_extend(11, d, 4, buf, sizeof(buf)), -EINVAL, "an unknown algorithm");
}

Test(tpm2, build_pcr_read)
{
	uint8_t buf[64];

	cr_assert_eq(tpm2_build_pcr_read(TPM2_ALG_SHA256, PCRS_11_15, buf, sizeof(buf)), (ssize_t)sizeof(read_cmd));
	cr_assert_arr_eq(buf, read_cmd, sizeof(read_cmd));
	cr_assert_eq(tpm2_build_pcr_read(TPM2_ALG_SHA256, 0, buf, sizeof(buf)), -EINVAL, "no PCR");
	cr_assert_eq(tpm2_build_pcr_read(TPM2_ALG_SHA256, 1u << 24, buf, sizeof(buf)), -EINVAL, "PCR 24");
	cr_assert_eq(tpm2_build_pcr_read(TPM2_ALG_SHA256, 0x1ff, buf, sizeof(buf)), -EINVAL, "9 PCRs: more than one read returns");
	cr_assert_eq(tpm2_build_pcr_read(0x0012, PCRS_11_15, buf, sizeof(buf)), -EINVAL, "an unknown algorithm");
}

Test(tpm2, parse_get_pcr_banks)
{
	struct fault f = { "" };
	struct tpm2_banks b;

	cr_assert_eq(tpm2_parse_get_pcr_banks(get_banks_rsp, sizeof(get_banks_rsp), &b, &f), 0, "%s", f.text);
	cr_assert_eq(b.n, 4);
	cr_assert_eq(b.alg[0], TPM2_ALG_SHA1);
	cr_assert_eq(b.alg[1], TPM2_ALG_SHA256);
	cr_assert_eq(b.alg[2], TPM2_ALG_SHA384);
	cr_assert_eq(b.alg[3], TPM2_ALG_SHA512);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(b.pcrs[i], 0xffffff);
}

/* A bank whose selection has other lengths: PCRs past 23 are dropped, a short select
 * covers fewer PCRs. */
Test(tpm2, parse_get_pcr_banks_select_sizes)
{
	const uint8_t rsp[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
		0x00, 0x00, 0x00, 0x02, 0x00, 0x0b, 0x04, 0x00, 0x08, 0x00, 0xff, 0x00, 0x04, 0x01, 0x01,
	};
	struct fault f = { "" };
	struct tpm2_banks b;

	cr_assert_eq(tpm2_parse_get_pcr_banks(rsp, sizeof(rsp), &b, &f), 0, "%s", f.text);
	cr_assert_eq(b.n, 2);
	cr_assert_eq(b.pcrs[0], 1u << 11, "PCR 11 only; the fourth byte (PCRs 24-31) dropped");
	cr_assert_eq(b.pcrs[1], 1u);
}

Test(tpm2, parse_pcr_extend)
{
	struct fault f = { "" };

	cr_assert_eq(tpm2_parse_pcr_extend(extend_rsp, sizeof(extend_rsp), &f), 0, "%s", f.text);
	cr_assert_eq(tpm2_parse_pcr_extend(locality_rsp, sizeof(locality_rsp), &f), -EIO);
	cr_assert_not_null(strstr(f.text, "0x907"), "%s", f.text);
	cr_assert_eq(tpm2_parse_pcr_extend(get_banks_rsp, sizeof(get_banks_rsp), &f), -EBADMSG, "a success without sessions");
}

Test(tpm2, parse_pcr_read)
{
	struct fault f = { "" };
	struct tpm2_digest d[2];
	char hex[2 * TPM2_DIGEST_MAX + 1];
	static const uint8_t zero[32];

	cr_assert_eq(tpm2_parse_pcr_read(read_rsp, sizeof(read_rsp), TPM2_ALG_SHA256, PCRS_11_15, d, &f), 0, "%s", f.text);
	cr_assert_eq(d[0].alg, TPM2_ALG_SHA256);
	cr_assert_eq(d[0].size, 32);
	hex_encode(d[0].bytes, d[0].size, hex);
	/* SHA-256(32 zero bytes || SHA-256("enter-initrd")) */
	cr_assert_str_eq(hex, "d15b0e8e244e65c40f024e95773f2347ce4ef3ffe6b597c9a14b50bbab6df319");
	cr_assert_arr_eq(d[1].bytes, zero, 32);
	cr_assert_eq(tpm2_parse_pcr_read(read_rsp, sizeof(read_rsp), TPM2_ALG_SHA256, 1u << 11, d, &f), -EBADMSG,
		     "asked PCR 11, got 11 and 15");
	cr_assert_eq(tpm2_parse_pcr_read(read_rsp, sizeof(read_rsp), TPM2_ALG_SHA1, PCRS_11_15, d, &f), -EBADMSG,
		     "asked SHA-1, got SHA-256");
	cr_assert_eq(tpm2_parse_pcr_read(locality_rsp, sizeof(locality_rsp), TPM2_ALG_SHA256, PCRS_11_15, d, &f), -EIO);
}

/* A read that returns fewer PCRs than asked (a TPM may) is an error, as is a digest of
 * the wrong size or a digest count that does not match the selection. */
Test(tpm2, parse_pcr_read_refused)
{
	uint8_t rsp[sizeof(read_rsp)];
	struct fault f = { "" };
	struct tpm2_digest d[2];

	memcpy(rsp, read_rsp, sizeof(rsp));
	rsp[22] = 0x08;                         /* selection: PCR 11 only */
	cr_assert_eq(tpm2_parse_pcr_read(rsp, sizeof(rsp), TPM2_ALG_SHA256, PCRS_11_15, d, &f), -EBADMSG);
	memcpy(rsp, read_rsp, sizeof(rsp));
	rsp[27] = 0x01;                         /* one digest */
	cr_assert_eq(tpm2_parse_pcr_read(rsp, sizeof(rsp), TPM2_ALG_SHA256, PCRS_11_15, d, &f), -EBADMSG);
	memcpy(rsp, read_rsp, sizeof(rsp));
	rsp[29] = 0x1f;                         /* a first digest of 31 bytes */
	cr_assert_eq(tpm2_parse_pcr_read(rsp, sizeof(rsp), TPM2_ALG_SHA256, PCRS_11_15, d, &f), -EBADMSG);
	/* two SHA-1-sized digests in a SHA-256 selection, the sizes consistent */
	memcpy(rsp, read_rsp, 30);
	rsp[5] = 30 + 20 + 2 + 20;
	rsp[29] = 20;
	memset(rsp + 30, 0xaa, 20);
	rsp[50] = 0, rsp[51] = 20;
	memset(rsp + 52, 0xbb, 20);
	cr_assert_eq(tpm2_parse_pcr_read(rsp, 72, TPM2_ALG_SHA256, PCRS_11_15, d, &f), -EBADMSG);
	cr_assert_not_null(strstr(f.text, "20 bytes"), "%s", f.text);
	memcpy(rsp, read_rsp, sizeof(rsp));
	rsp[17] = 0x02;                         /* two selections */
	cr_assert_eq(tpm2_parse_pcr_read(rsp, sizeof(rsp), TPM2_ALG_SHA256, PCRS_11_15, d, &f), -EBADMSG);
}

/* Every response cut short at each length is refused (the header's size no longer
 * matches, or, with the size patched to match, the body runs out); a response with a
 * byte more is refused too. */
Test(tpm2, parse_truncated)
{
	const struct { const uint8_t *rsp; size_t len; } all[] = {
		{ get_banks_rsp, sizeof(get_banks_rsp) },
		{ extend_rsp, sizeof(extend_rsp) },
		{ read_rsp, sizeof(read_rsp) },
	};
	uint8_t buf[256];
	struct fault f = { "" };
	struct tpm2_banks b;
	struct tpm2_digest d[2];

	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		for (size_t len = 0; len <= all[k].len; len++) {
			int r[3];
			memcpy(buf, all[k].rsp, len);
			if (len >= 6) {                 /* the size field says what came */
				buf[2] = 0, buf[3] = 0, buf[4] = (uint8_t)(len >> 8), buf[5] = (uint8_t)len;
			}
			r[0] = tpm2_parse_get_pcr_banks(buf, len, &b, &f);
			r[1] = tpm2_parse_pcr_extend(buf, len, &f);
			r[2] = tpm2_parse_pcr_read(buf, len, TPM2_ALG_SHA256, PCRS_11_15, d, &f);
			for (int i = 0; i < 3; i++)
				if (i != (int)k || len < all[k].len)
					cr_assert_lt(r[i], 0, "response %zu cut to %zu bytes, parser %d", k, len, i);
			if (len == all[k].len)
				cr_assert_eq(r[k], 0, "response %zu whole: %s", k, f.text);
		}
		memcpy(buf, all[k].rsp, all[k].len);
		buf[all[k].len] = 0;
		buf[5] = (uint8_t)(all[k].len + 1);
		cr_assert_eq(tpm2_parse_get_pcr_banks(buf, all[k].len + 1, &b, &f), -EBADMSG);
		cr_assert_eq(tpm2_parse_pcr_extend(buf, all[k].len + 1, &f), -EBADMSG);
		cr_assert_eq(tpm2_parse_pcr_read(buf, all[k].len + 1, TPM2_ALG_SHA256, PCRS_11_15, d, &f), -EBADMSG);
	}
}

Test(tpm2, parse_header)
{
	uint8_t rsp[sizeof(extend_rsp)];
	struct fault f = { "" };
	uint32_t rc;

	cr_assert_eq(tpm2_parse_header(locality_rsp, sizeof(locality_rsp), &rc, &f), 0);
	cr_assert_eq(rc, 0x907);
	cr_assert_eq(tpm2_parse_header(locality_rsp, 9, &rc, &f), -EBADMSG, "shorter than a header");
	memcpy(rsp, extend_rsp, sizeof(rsp));
	rsp[1] = 0x03;                          /* tag 0x8003 */
	cr_assert_eq(tpm2_parse_header(rsp, sizeof(rsp), &rc, &f), -EBADMSG);
	memcpy(rsp, extend_rsp, sizeof(rsp));
	rsp[5] = 0x12;                          /* says 18 bytes, 19 came */
	cr_assert_eq(tpm2_parse_header(rsp, sizeof(rsp), &rc, &f), -EBADMSG);
}

Test(tpm2, alg_names)
{
	cr_assert_str_eq(tpm2_alg_name(TPM2_ALG_SHA1), "sha1");
	cr_assert_str_eq(tpm2_alg_name(TPM2_ALG_SHA512), "sha512");
	cr_assert_null(tpm2_alg_name(0x0012));
	cr_assert_eq(tpm2_alg_digest_size(TPM2_ALG_SHA384), 48);
	cr_assert_eq(tpm2_alg_digest_size(0x0012), 0);
}

/* The data marker's public area (tpm/data_marker.c defines the same). */
static struct tpm2_nv_public marker_public(void)
{
	struct tpm2_nv_public pub = {
		.index = INDEX,
		.name_alg = TPM2_ALG_SHA256,
		.attributes = TPM2_NV_AUTHWRITE | TPM2_NV_AUTHREAD | TPM2_NV_NO_DA | TPM2_NV_READ_STCLEAR,
		.data_size = 44,
	};
	return pub;
}

Test(tpm2, build_nv_define_space)
{
	struct tpm2_nv_public pub = marker_public();
	uint8_t buf[128];

	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(buf)), (ssize_t)sizeof(nv_define_cmd));
	cr_assert_arr_eq(buf, nv_define_cmd, sizeof(nv_define_cmd));
	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(nv_define_cmd) - 1), -E2BIG);
	pub.index = 0x81000001;
	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(buf)), -EINVAL, "a persistent object's handle");
	pub = marker_public();
	pub.name_alg = 0x0012;
	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(buf)), -EINVAL, "an unknown name algorithm");
	pub = marker_public();
	pub.policy_size = 20;
	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(buf)), -EINVAL, "a 20-byte policy under SHA-256");
	pub = marker_public();
	pub.data_size = 0;
	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(buf)), -EINVAL, "an index of 0 bytes");
	pub.data_size = TPM2_NV_DATA_MAX + 1;
	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(buf)), -EINVAL, "larger than one NV_Read");
}

/* A policy digest is marshalled after its size, and the TPM2B_NV_PUBLIC's size covers it. */
Test(tpm2, build_nv_define_space_policy)
{
	struct tpm2_nv_public pub = marker_public();
	uint8_t buf[128];

	pub.policy_size = 32;
	memset(pub.policy, 0xcc, 32);
	cr_assert_eq(tpm2_build_nv_define_space(&pub, buf, sizeof(buf)), (ssize_t)sizeof(nv_define_cmd) + 32);
	cr_assert_eq(buf[30], 14 + 32, "TPM2B_NV_PUBLIC size");
	cr_assert_eq(buf[41], 0x00);
	cr_assert_eq(buf[42], 32, "authPolicy size");
	cr_assert_eq(buf[43], 0xcc);
	cr_assert_eq(buf[74], 0xcc);
	cr_assert_eq(buf[76], 44, "dataSize after the policy");
}

Test(tpm2, build_nv_read_public)
{
	uint8_t buf[64];

	cr_assert_eq(tpm2_build_nv_read_public(INDEX, buf, sizeof(buf)), (ssize_t)sizeof(nv_read_public_cmd));
	cr_assert_arr_eq(buf, nv_read_public_cmd, sizeof(nv_read_public_cmd));
	cr_assert_eq(tpm2_build_nv_read_public(TPM2_RH_OWNER, buf, sizeof(buf)), -EINVAL, "not an NV index");
	cr_assert_eq(tpm2_build_nv_read_public(INDEX, buf, sizeof(nv_read_public_cmd) - 1), -E2BIG);
}

Test(tpm2, build_nv_read)
{
	uint8_t buf[64];

	cr_assert_eq(tpm2_build_nv_read(INDEX, 44, 0, buf, sizeof(buf)), (ssize_t)sizeof(nv_read_cmd));
	cr_assert_arr_eq(buf, nv_read_cmd, sizeof(nv_read_cmd));
	cr_assert_eq(tpm2_build_nv_read(INDEX, 44, 0x0102, buf, sizeof(buf)), (ssize_t)sizeof(nv_read_cmd));
	cr_assert_eq(buf[33], 0x01, "offset, big-endian");
	cr_assert_eq(buf[34], 0x02);
	cr_assert_eq(tpm2_build_nv_read(INDEX, 0, 0, buf, sizeof(buf)), -EINVAL, "0 bytes");
	cr_assert_eq(tpm2_build_nv_read(INDEX, TPM2_NV_DATA_MAX + 1, 0, buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(tpm2_build_nv_read(0x02000000, 44, 0, buf, sizeof(buf)), -EINVAL, "a session handle");
	cr_assert_eq(tpm2_build_nv_read(INDEX, 44, 0, buf, sizeof(nv_read_cmd) - 1), -E2BIG);
}

Test(tpm2, build_nv_write)
{
	uint8_t buf[TPM2_NV_DATA_MAX + 64];
	const uint8_t *marker = nv_write_cmd + 33;      /* the data: after the TPM2B's size */

	cr_assert_eq(tpm2_build_nv_write(INDEX, marker, 44, 0, buf, sizeof(buf)), (ssize_t)sizeof(nv_write_cmd));
	cr_assert_arr_eq(buf, nv_write_cmd, sizeof(nv_write_cmd));
	cr_assert_eq(tpm2_build_nv_write(INDEX, marker, 44, 0, buf, sizeof(nv_write_cmd) - 1), -E2BIG);
	cr_assert_eq(tpm2_build_nv_write(INDEX, marker, 0, 0, buf, sizeof(buf)), -EINVAL, "0 bytes");
	cr_assert_eq(tpm2_build_nv_write(INDEX, buf, TPM2_NV_DATA_MAX + 1, 0, buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(tpm2_build_nv_write(0x81000001, marker, 44, 0, buf, sizeof(buf)), -EINVAL);
}

Test(tpm2, build_nv_read_lock)
{
	uint8_t buf[64];

	cr_assert_eq(tpm2_build_nv_read_lock(INDEX, buf, sizeof(buf)), (ssize_t)sizeof(nv_read_lock_cmd));
	cr_assert_arr_eq(buf, nv_read_lock_cmd, sizeof(nv_read_lock_cmd));
	cr_assert_eq(tpm2_build_nv_read_lock(TPM2_RH_OWNER, buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(tpm2_build_nv_read_lock(INDEX, buf, sizeof(nv_read_lock_cmd) - 1), -E2BIG);
}

Test(tpm2, parse_nv_no_params)
{
	struct fault f = { "" };
	uint8_t rsp[sizeof(nv_ok_rsp) + 4];

	cr_assert_eq(tpm2_parse_nv_no_params(nv_ok_rsp, sizeof(nv_ok_rsp), "NV_Write", &f), 0, "%s", f.text);
	cr_assert_eq(tpm2_parse_nv_no_params(nv_defined_rsp, sizeof(nv_defined_rsp), "NV_DefineSpace", &f), -EEXIST);
	cr_assert_not_null(strstr(f.text, "NV_DefineSpace: response code 0x14c"), "%s", f.text);
	cr_assert_eq(tpm2_parse_nv_no_params(nv_handle_rsp, sizeof(nv_handle_rsp), "NV_Write", &f), -ENOENT);
	cr_assert_eq(tpm2_parse_nv_no_params(nv_read_public_rsp, sizeof(nv_read_public_rsp), "NV_Write", &f), -EBADMSG,
		     "a success without sessions");
	/* four bytes of parameters where there are none */
	memcpy(rsp, nv_ok_rsp, 10);
	rsp[5] = sizeof(rsp);
	rsp[10] = 0, rsp[11] = 0, rsp[12] = 0, rsp[13] = 4;
	memset(rsp + 14, 0, 4);
	memcpy(rsp + 18, nv_ok_rsp + 14, 5);
	cr_assert_eq(tpm2_parse_nv_no_params(rsp, sizeof(rsp), "NV_Write", &f), -EBADMSG);
}

/* What each NV response code means to the callers. */
Test(tpm2, nv_response_codes)
{
	const struct { uint32_t rc; int e; } codes[] = {
		{ 0x18b, -ENOENT },     /* TPM_RC_HANDLE, handle 1 */
		{ 0x28b, -ENOENT },     /* TPM_RC_HANDLE, handle 2 */
		{ 0x08b, -ENOENT },     /* TPM_RC_HANDLE, no handle number */
		{ 0x1cb, -EIO },        /* 0x0b on parameter 1: TPM_RC_HANDLE is not about a parameter */
		{ 0x98b, -EIO },        /* 0x0b on session 1 */
		{ 0x14c, -EEXIST },     /* TPM_RC_NV_DEFINED */
		{ 0x148, -EACCES },     /* TPM_RC_NV_LOCKED */
		{ 0x14a, -ENODATA },    /* TPM_RC_NV_UNINITIALIZED */
		{ 0x14b, -ENOSPC },     /* TPM_RC_NV_SPACE */
		{ 0x920, -EAGAIN },     /* TPM_RC_NV_RATE */
		{ 0x923, -EAGAIN },     /* TPM_RC_NV_UNAVAILABLE */
		{ 0x921, -EIO },        /* TPM_RC_LOCKOUT */
		{ 0x149, -EIO },        /* TPM_RC_NV_AUTHORIZATION */
		{ 0x9a2, -EIO },        /* TPM_RC_BAD_AUTH, session 1 */
	};
	uint8_t rsp[10] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00 };
	struct fault f = { "" };
	struct tpm2_nv_public pub;
	uint8_t out[44];

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		rsp[8] = (uint8_t)(codes[i].rc >> 8), rsp[9] = (uint8_t)codes[i].rc;
		cr_assert_eq(tpm2_parse_nv_no_params(rsp, sizeof(rsp), "NV_Write", &f), codes[i].e, "0x%x", codes[i].rc);
		cr_assert_eq(tpm2_parse_nv_read_public(rsp, sizeof(rsp), INDEX, &pub, &f), codes[i].e, "0x%x", codes[i].rc);
		cr_assert_eq(tpm2_parse_nv_read(rsp, sizeof(rsp), out, 44, &f), codes[i].e, "0x%x", codes[i].rc);
	}
}

Test(tpm2, parse_nv_read_public)
{
	struct fault f = { "" };
	struct tpm2_nv_public pub;

	cr_assert_eq(tpm2_parse_nv_read_public(nv_read_public_rsp, sizeof(nv_read_public_rsp), INDEX, &pub, &f), 0, "%s",
		     f.text);
	cr_assert_eq(pub.index, INDEX);
	cr_assert_eq(pub.name_alg, TPM2_ALG_SHA256);
	cr_assert_eq(pub.attributes, marker_public().attributes | TPM2_NV_WRITTEN);
	cr_assert_eq(pub.policy_size, 0);
	cr_assert_eq(pub.data_size, 44);
	cr_assert_eq(tpm2_parse_nv_read_public(nv_read_public_locked_rsp, sizeof(nv_read_public_locked_rsp), INDEX, &pub,
					       &f), 0, "%s", f.text);
	cr_assert_eq(pub.attributes, marker_public().attributes | TPM2_NV_WRITTEN | TPM2_NV_READLOCKED);
	cr_assert_eq(tpm2_parse_nv_read_public(nv_read_public_rsp, sizeof(nv_read_public_rsp), INDEX + 1, &pub, &f),
		     -EBADMSG, "asked another index");
	cr_assert_eq(tpm2_parse_nv_read_public(nv_handle_rsp, sizeof(nv_handle_rsp), INDEX, &pub, &f), -ENOENT);
	cr_assert_not_null(strstr(f.text, "0x18b"), "%s", f.text);
	cr_assert_eq(tpm2_parse_nv_read_public(nv_ok_rsp, sizeof(nv_ok_rsp), INDEX, &pub, &f), -EBADMSG,
		     "a success with sessions");
}

/* A public area whose size field, policy or name does not hold together is refused. */
Test(tpm2, parse_nv_read_public_damaged)
{
	uint8_t rsp[sizeof(nv_read_public_rsp) + 80];
	struct fault f = { "" };
	struct tpm2_nv_public pub;
	size_t n = sizeof(nv_read_public_rsp);

#define FRESH() memcpy(rsp, nv_read_public_rsp, n)
	FRESH();
	rsp[11] = 0x0d;                         /* TPM2B_NV_PUBLIC of 13 bytes, 14 follow */
	cr_assert_eq(tpm2_parse_nv_read_public(rsp, n, INDEX, &pub, &f), -EBADMSG);
	FRESH();
	rsp[11] = 0x0f;                         /* of 15 */
	cr_assert_eq(tpm2_parse_nv_read_public(rsp, n, INDEX, &pub, &f), -EBADMSG);
	FRESH();
	rsp[27] = 0x21;                         /* a name of 33 bytes (the 34th left over) */
	cr_assert_eq(tpm2_parse_nv_read_public(rsp, n, INDEX, &pub, &f), -EBADMSG);
	FRESH();
	rsp[29] = 0x04;                         /* a name that starts with SHA-1 */
	cr_assert_eq(tpm2_parse_nv_read_public(rsp, n, INDEX, &pub, &f), -EBADMSG);
	FRESH();
	rsp[17] = 0x0c;                         /* name algorithm SHA-384, a name of SHA-256's size */
	rsp[29] = 0x0c;
	cr_assert_eq(tpm2_parse_nv_read_public(rsp, n, INDEX, &pub, &f), -EBADMSG);
	/* a policy of 65 bytes, the sizes consistent: more than any digest */
	memcpy(rsp, nv_read_public_rsp, 22);
	rsp[11] = 14 + 65;
	rsp[22] = 0, rsp[23] = 65;
	memset(rsp + 24, 0xee, 65);
	memcpy(rsp + 24 + 65, nv_read_public_rsp + 24, n - 24);
	rsp[5] = (uint8_t)(n + 65);
	cr_assert_eq(tpm2_parse_nv_read_public(rsp, n + 65, INDEX, &pub, &f), -EBADMSG);
	cr_assert_not_null(strstr(f.text, "65 bytes"), "%s", f.text);
	/* a policy of 32 bytes, consistent: parsed */
	rsp[11] = 14 + 32;
	rsp[23] = 32;
	memcpy(rsp + 24 + 32, nv_read_public_rsp + 24, n - 24);
	rsp[5] = (uint8_t)(n + 32);
	cr_assert_eq(tpm2_parse_nv_read_public(rsp, n + 32, INDEX, &pub, &f), 0, "%s", f.text);
	cr_assert_eq(pub.policy_size, 32);
	cr_assert_eq(pub.policy[31], 0xee);
	/* an unknown name algorithm: parsed (data_marker_check_public refuses it), its name
	 * bounded only */
	FRESH();
	rsp[17] = 0x12, rsp[29] = 0x12;
	cr_assert_eq(tpm2_parse_nv_read_public(rsp, n, INDEX, &pub, &f), 0, "%s", f.text);
	cr_assert_eq(pub.name_alg, 0x0012);
#undef FRESH
}

Test(tpm2, parse_nv_read)
{
	uint8_t rsp[sizeof(nv_read_rsp)], out[44], before[44];
	struct fault f = { "" };

	cr_assert_eq(tpm2_parse_nv_read(nv_read_rsp, sizeof(nv_read_rsp), out, 44, &f), 0, "%s", f.text);
	cr_assert_arr_eq(out, nv_write_cmd + 33, 44, "the bytes written");
	memset(out, 0x77, sizeof(out));
	memcpy(before, out, sizeof(out));
	cr_assert_eq(tpm2_parse_nv_read(nv_read_rsp, sizeof(nv_read_rsp), out, 43, &f), -EBADMSG, "asked 43 bytes");
	cr_assert_arr_eq(out, before, sizeof(out), "out untouched");
	cr_assert_eq(tpm2_parse_nv_read(nv_locked_rsp, sizeof(nv_locked_rsp), out, 44, &f), -EACCES);
	cr_assert_eq(tpm2_parse_nv_read(nv_uninitialized_rsp, sizeof(nv_uninitialized_rsp), out, 44, &f), -ENODATA);
	cr_assert_eq(tpm2_parse_nv_read(nv_handle_rsp, sizeof(nv_handle_rsp), out, 44, &f), -ENOENT);
	memcpy(rsp, nv_read_rsp, sizeof(rsp));
	rsp[13] = 0x2f;                         /* parameterSize 47 for 2 + 44 bytes */
	cr_assert_eq(tpm2_parse_nv_read(rsp, sizeof(rsp), out, 44, &f), -EBADMSG);
	cr_assert_arr_eq(out, before, sizeof(out), "out untouched");
	memcpy(rsp, nv_read_rsp, sizeof(rsp));
	rsp[15] = 0x2b;                         /* 43 bytes of data (and one more in the session) */
	rsp[13] = 0x2d;
	cr_assert_eq(tpm2_parse_nv_read(rsp, sizeof(rsp), out, 44, &f), -EBADMSG);
	cr_assert_eq(tpm2_parse_nv_read(nv_ok_rsp, sizeof(nv_ok_rsp), out, 44, &f), -EBADMSG, "no data");
}

/* Each NV response cut short at every length (the size field patched to match), or with
 * a byte more, is refused by its parser; whole, it is accepted. */
Test(tpm2, parse_nv_truncated)
{
	enum { NO_PARAMS, READ_PUBLIC, READ };
	const struct { const uint8_t *rsp; size_t len; int parser; } all[] = {
		{ nv_ok_rsp, sizeof(nv_ok_rsp), NO_PARAMS },
		{ nv_read_public_rsp, sizeof(nv_read_public_rsp), READ_PUBLIC },
		{ nv_read_public_locked_rsp, sizeof(nv_read_public_locked_rsp), READ_PUBLIC },
		{ nv_read_rsp, sizeof(nv_read_rsp), READ },
	};
	uint8_t buf[256], out[44];
	struct fault f = { "" };
	struct tpm2_nv_public pub;

	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		for (size_t len = 0; len <= all[k].len + 1; len++) {
			int r;
			memcpy(buf, all[k].rsp, len < all[k].len ? len : all[k].len);
			buf[all[k].len] = 0;
			if (len >= 6)
				buf[2] = 0, buf[3] = 0, buf[4] = (uint8_t)(len >> 8), buf[5] = (uint8_t)len;
			switch (all[k].parser) {
			case NO_PARAMS: r = tpm2_parse_nv_no_params(buf, len, "NV_Write", &f); break;
			case READ_PUBLIC: r = tpm2_parse_nv_read_public(buf, len, INDEX, &pub, &f); break;
			default: r = tpm2_parse_nv_read(buf, len, out, 44, &f); break;
			}
			if (len == all[k].len)
				cr_assert_eq(r, 0, "response %zu whole: %s", k, f.text);
			else
				cr_assert_eq(r, -EBADMSG, "response %zu at %zu bytes of %zu", k, len, all[k].len);
		}
	}
}
