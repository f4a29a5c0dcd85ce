#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "common/hex.h"
#include "tpm/measure_plan.h"

TestSuite(measure_plan, .timeout = 10);

static void assert_digest(const struct tpm2_digest *d, uint16_t alg, const char *hex)
{
	char got[2 * TPM2_DIGEST_MAX + 1];

	cr_assert_eq(d->alg, alg);
	cr_assert_eq(d->size, tpm2_alg_digest_size(alg));
	hex_encode(d->bytes, d->size, got);
	cr_assert_str_eq(got, hex);
}

/* Only the stub's own word for PCR 11 turns measuring on (systemd-pcrphase's rule). */
Test(measure_plan, stub_measured)
{
	cr_assert(measure_plan_stub_measured("11"));
	cr_assert_not(measure_plan_stub_measured(""), "no stub, or a stub that measured nothing");
	cr_assert_not(measure_plan_stub_measured("12"));
	cr_assert_not(measure_plan_stub_measured("011"));
	cr_assert_not(measure_plan_stub_measured("11 "));
}

/* One digest of the word's bytes (no NUL, no newline) per bank that has the PCR and a
 * known algorithm, in the TPM's bank order. The values are sha1sum and sha256sum of
 * the word. */
Test(measure_plan, digests_per_bank)
{
	struct tpm2_banks banks = {
		.n = 4,
		.alg = { TPM2_ALG_SHA1, 0x0012 /* SM3_256 */, TPM2_ALG_SHA256, TPM2_ALG_SHA384 },
		.pcrs = { 0xffffff, 0xffffff, 0xffffff, 0xffffff & ~(1u << 11) },
	};
	struct tpm2_digest d[TPM2_BANKS_MAX];
	struct fault f = { "" };
	char names[64];

	cr_assert_eq(measure_plan_digests(&banks, 11, MEASURE_PHASE_ENTER, d, &f), 2, "%s", f.text);
	assert_digest(&d[0], TPM2_ALG_SHA1, "b1b01d5f73f321eb70e76f8a0e241ac0a3fa4a6e");
	assert_digest(&d[1], TPM2_ALG_SHA256, "51e6b92f405d1f98d96e3de343d61d420ad6923b25de21d766f9298192f14fed");
	cr_assert_eq(measure_plan_digests(&banks, 11, MEASURE_PHASE_LEAVE, d, &f), 2);
	assert_digest(&d[1], TPM2_ALG_SHA256, "3be261aff7db92bf507eae947f4003ffa2bcad0bffe3524601d62d0bc8be7135");
	measure_plan_bank_names(&banks, 11, names, sizeof(names));
	cr_assert_str_eq(names, "sha1 sha256");
	measure_plan_bank_names(&banks, 15, names, sizeof(names));
	cr_assert_str_eq(names, "sha1 sha256 sha384");
	measure_plan_bank_names(&banks, 15, names, 8);
	cr_assert_str_eq(names, "sha1", "cut at a whole name");
	cr_assert_eq(measure_plan_digests(&banks, 24, MEASURE_PHASE_ENTER, d, &f), 0, "no PCR 24");
}

Test(measure_plan, digests_refused)
{
	struct tpm2_banks banks = { .n = 1, .alg = { TPM2_ALG_SHA256 }, .pcrs = { 0xffffff } };
	struct tpm2_banks none = { .n = 1, .alg = { 0x0012 }, .pcrs = { 0xffffff } };
	struct tpm2_digest d[TPM2_BANKS_MAX];
	struct fault f = { "" };

	cr_assert_eq(measure_plan_digests(&banks, 11, "", d, &f), -EINVAL, "an empty word");
	cr_assert_eq(measure_plan_digests(&none, 11, MEASURE_PHASE_ENTER, d, &f), 0, "no bank hardinit can hash");
}

/* The identity text: what the host computes PCR 15 from. */
Test(measure_plan, identity)
{
	unsigned char root[32];
	char out[MEASURE_IDENTITY_MAX];
	struct fault f = { "" };

	for (int i = 0; i < 32; i++)
		root[i] = (unsigned char)(0xa0 + i % 16);
	cr_assert_eq(measure_plan_identity('b', 42, root, sizeof(root), out, sizeof(out), &f), 0, "%s", f.text);
	cr_assert_str_eq(out, "hardinit-image:slot=b:version=42:roothash="
			      "a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	cr_assert_eq(measure_plan_identity('?', 1, root, sizeof(root), out, sizeof(out), &f), -EINVAL, "no slot");
	cr_assert_str_eq(out, "");
	cr_assert_eq(measure_plan_identity('a', 1, root, 0, out, sizeof(out), &f), -EINVAL, "no root hash");
	cr_assert_eq(measure_plan_identity('a', 1, root, sizeof(root), out, 40, &f), -EINVAL, "too small");
	cr_assert_str_eq(out, "");
}
