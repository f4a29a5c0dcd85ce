/* Fuzz target: the boot-record reader of `hardinitctl status`: the lines of
 * /logs/hardinit/boots.jsonl (json-c), on the logs partition, which anyone with the
 * disk, or a crash mid-write, shapes; and the text it prints for each record, which must
 * never carry a byte outside printable ASCII (a terminal escape) from the file.
 * Input: the file's bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init/record.h"
#include "tests/fuzz/fuzz.h"

static void check_line(const char *json_line, void *data)
{
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);

	(void)data;
	if (!mem)
		return;
	record_format(json_line, mem);
	fclose(mem);
	for (size_t i = 0; i < len; i++)
		if ((out[i] < 0x20 && out[i] != '\n') || (unsigned char)out[i] >= 0x7f)
			abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);

	if (!text)
		return 0;
	(void)record_read_lines(text, check_line, NULL);
	free(text);
	return 0;
}
