/* Fuzz target: the TPM's responses (tpm/tpm2_cmd.c) and the data marker read from its
 * NV index (tpm/data_marker.c): bytes from a device that hardinit does not control (a
 * virtual TPM is the host's; a discrete one sits on a bus).
 * Input: one response, handed to each of the parsers; then, as an index's content, to
 * the marker's decoder. */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "tpm/data_marker.h"
#include "tpm/tpm2_cmd.h"

#define NV_READ_DATA 16         /* header, parameterSize, the TPM2B's size */

/* A marker decoded from bytes is one data_marker_encode writes as those same bytes. */
static void marker_round_trip(const uint8_t *bytes, size_t len)
{
	struct fault f = { "" };
	struct data_marker m;
	uint8_t again[DATA_MARKER_SIZE];

	if (data_marker_decode(bytes, len, &m, &f) != 0)
		return;
	if (len != DATA_MARKER_SIZE || data_marker_encode(&m, again, &f) != 0 || memcmp(again, bytes, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fault f = { "" };
	struct tpm2_banks banks;
	struct tpm2_digest d[8];
	struct tpm2_nv_public pub;
	uint8_t nv[DATA_MARKER_SIZE];
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
	if (tpm2_parse_nv_no_params(data, size, "NV_Write", &f) == 0 && size < 19)
		abort();
	if (tpm2_parse_nv_read_public(data, size, DATA_MARKER_HANDLE, &pub, &f) == 0) {
		if (pub.index != DATA_MARKER_HANDLE || pub.policy_size > TPM2_DIGEST_MAX)
			abort();     /* the index asked for; a policy that fits */
		if (data_marker_check_public(&pub, DATA_MARKER_HANDLE, &f) == 0 &&
		    ((pub.attributes & ~(TPM2_NV_WRITTEN | TPM2_NV_READLOCKED)) != DATA_MARKER_ATTRIBUTES ||
		     pub.name_alg != TPM2_ALG_SHA256 || pub.policy_size != 0 || pub.data_size != DATA_MARKER_SIZE))
			abort();     /* only hardinit's own index is trusted */
	}
	if (tpm2_parse_nv_read(data, size, nv, DATA_MARKER_SIZE, &f) == 0) {
		if (size < NV_READ_DATA + DATA_MARKER_SIZE || memcmp(nv, data + NV_READ_DATA, DATA_MARKER_SIZE) != 0)
			abort();     /* exactly the bytes the response carried */
		marker_round_trip(nv, sizeof(nv));
	}
	marker_round_trip(data, size);
	return 0;
}
