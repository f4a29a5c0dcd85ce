/* Fuzz target: the TPM's responses (tpm/tpm2_cmd.c): bytes from a device that hardinit
 * does not control (a virtual TPM is the host's; a discrete one sits on a bus).
 * Input: one response, handed to each of the three parsers. */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "tpm/tpm2_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fault f = { "" };
	struct tpm2_banks banks;
	struct tpm2_digest d[8];
	uint32_t rc;

	if (tpm2_parse_header(data, size, &rc, &f) == 0 && size < 10)
		abort();
	if (tpm2_parse_get_pcr_banks(data, size, &banks, &f) == 0) {
		if (banks.n > TPM2_BANKS_MAX)
			abort();
		for (size_t i = 0; i < banks.n; i++)
			if (banks.pcrs[i] >> TPM2_PCRS)
				abort(); /* only PCRs 0-23 */
	}
	if (tpm2_parse_pcr_extend(data, size, &f) == 0 && size < 19)
		abort();             /* a success carries its session's response area */
	if (tpm2_parse_pcr_read(data, size, TPM2_ALG_SHA256, 1u << 11 | 1u << 15, d, &f) == 0)
		for (int i = 0; i < 2; i++)
			if (d[i].alg != TPM2_ALG_SHA256 || d[i].size != 32)
				abort();
	if (tpm2_parse_pcr_read(data, size, TPM2_ALG_SHA1, 0xff, d, &f) == 0)
		for (int i = 0; i < 8; i++)
			if (d[i].alg != TPM2_ALG_SHA1 || d[i].size != 20)
				abort();
	return 0;
}
