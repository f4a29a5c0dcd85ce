/* Fuzz target: /run/hardinit/state as hardinitctl reads it (ctl/state_file.c).
 * Input: the file's text. */
#include <stdlib.h>
#include <string.h>

#include "ctl/state_file.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_state_file st;
	char *text = fuzz_text(data, size);

	if (!text)
		return 0;
	if (state_file_parse(text, &st) == 0 && st.slot != 'a' && st.slot != 'b')
		abort();
	if (st.boot_tries > 15 || memchr(st.partition[0], '\0', sizeof(st.partition[0])) == NULL ||
	    memchr(st.partition[1], '\0', sizeof(st.partition[1])) == NULL)
		abort();
	free(text);
	return 0;
}
