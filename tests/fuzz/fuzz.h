/* A fuzz target: one function libFuzzer calls with each input. Every target is built
 * twice (tests/fuzz/README.md): with clang's libFuzzer for `make fuzz`, and with
 * replay.c and gcc's ASan+UBSan for `make check`, which runs the committed corpus. */
#ifndef HARDINIT_FUZZ_H
#define HARDINIT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional: called once before the first input (libFuzzer's hook). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a NUL-terminated string, for the parsers of text (malloc'd; free it).
 * Returns NULL when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
	}
	return text;
}

#endif
