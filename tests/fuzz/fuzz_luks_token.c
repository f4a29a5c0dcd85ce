/* Fuzz target: a LUKS2 token's JSON (crypt/data_plan.c data_plan_check_token), read
 * from the data partition's header, which anyone holding the disk file can write.
 * Input: the JSON text (NUL-terminated copy). The PCR key is fixed. */
#include <stdlib.h>
#include <string.h>

#include "crypt/data_plan.h"
#include "tests/fuzz/fuzz.h"

static const char KEY[] = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fault f = { "" };
	char *json = malloc(size + 1);

	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	if (data_plan_check_token(json, KEY, strlen(KEY), &f) == 0 && !strstr(json, "systemd-tpm2"))
		abort();             /* accepted without naming the type */
	free(json);
	return 0;
}
