/* Golden files for the unit tests: compare a text with tests/unit/golden/NAME, or
 * rewrite the file when UPDATE_GOLDEN is set (then review the diff). */
#ifndef HARDINIT_TEST_GOLDEN_H
#define HARDINIT_TEST_GOLDEN_H

/* Asserts (Criterion) that text equals the golden file at path. */
void golden_check(const char *path, const char *text);

#endif
