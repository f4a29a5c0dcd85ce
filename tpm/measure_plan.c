#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/hex.h"
#include "tpm/measure_plan.h"

bool measure_plan_stub_measured(const char *stub_pcr_kernel_image)
{
	return strcmp(stub_pcr_kernel_image, "11") == 0;
}

static const EVP_MD *alg_md(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1: return EVP_sha1();
	case TPM2_ALG_SHA256: return EVP_sha256();
	case TPM2_ALG_SHA384: return EVP_sha384();
	case TPM2_ALG_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

/* True if bank i has PCR pcr and an algorithm hardinit can hash. */
static bool bank_usable(const struct tpm2_banks *banks, size_t i, unsigned pcr)
{
	return pcr < TPM2_PCRS && (banks->pcrs[i] >> pcr & 1) && alg_md(banks->alg[i]);
}

int measure_plan_digests(const struct tpm2_banks *banks, unsigned pcr, const char *text, struct tpm2_digest *out,
			 struct fault *f)
{
	size_t len = strlen(text);
	int n = 0;

	if (len == 0)
		return fault_set(f, EINVAL, "an empty text is not measured");
	for (size_t i = 0; i < banks->n && i < TPM2_BANKS_MAX; i++) {
		unsigned size = 0;
		if (!bank_usable(banks, i, pcr))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].alg = banks->alg[i];
		if (EVP_Digest(text, len, out[n].bytes, &size, alg_md(banks->alg[i]), NULL) != 1 ||
		    size != tpm2_alg_digest_size(banks->alg[i]))
			return fault_set(f, ENOMEM, "unable to hash with %s", tpm2_alg_name(banks->alg[i]));
		out[n].size = (uint8_t)size;
		n++;
	}
	return n;
}

int measure_plan_identity(char slot, unsigned long long version, const unsigned char *root_hash, size_t root_hash_size,
			  char *out, size_t out_size, struct fault *f)
{
	char hex[2 * TPM2_DIGEST_MAX + 1];
	int n;

	if (out_size)
		out[0] = '\0';
	if (slot != 'a' && slot != 'b')
		return fault_set(f, EINVAL, "no slot to measure (%c)", slot);
	if (root_hash_size == 0 || root_hash_size > TPM2_DIGEST_MAX)
		return fault_set(f, EINVAL, "a root hash of %zu bytes", root_hash_size);
	hex_encode(root_hash, root_hash_size, hex);
	n = snprintf(out, out_size, "hardinit-image:slot=%c:version=%llu:roothash=%s", slot, version, hex);
	if (n < 0 || (size_t)n >= out_size) {
		if (out_size)
			out[0] = '\0';
		return fault_set(f, EINVAL, "the identity text does not fit in %zu bytes", out_size);
	}
	return 0;
}

void measure_plan_bank_names(const struct tpm2_banks *banks, unsigned pcr, char *out, size_t out_size)
{
	size_t at = 0;

	if (!out_size)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < banks->n && i < TPM2_BANKS_MAX; i++) {
		const char *name = tpm2_alg_name(banks->alg[i]);
		int n;
		if (!bank_usable(banks, i, pcr))
			continue;
		n = snprintf(out + at, out_size - at, "%s%s", at ? " " : "", name);
		if (n < 0 || (size_t)n >= out_size - at) {
			out[at] = '\0';
			return;
		}
		at += (size_t)n;
	}
}
