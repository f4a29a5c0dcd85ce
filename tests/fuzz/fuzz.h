/* A fuzz target: one function libFuzzer calls with each input. Every target is built
 * twice (tests/fuzz/README.md): with clang's libFuzzer for `make fuzz`, and with
 * replay.c and gcc's ASan+UBSan for `make check`, which runs the committed corpus. */
#ifndef HARDINIT_FUZZ_H
#define HARDINIT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional: called once before the first input (libFuzzer's hook). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
