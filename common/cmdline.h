/* Kernel command line tokenizer: splits the text into words with the kernel's own
 * quoting rules (lib/cmdline.c next_arg), so hardinit reads what the kernel read. */
#ifndef HARDINIT_CMDLINE_H
#define HARDINIT_CMDLINE_H

#include <stddef.h>

#include "common/fault.h"

#define CMDLINE_MAX 4096     /* longer than any x86 COMMAND_LINE_SIZE */
#define CMDLINE_WORDS_MAX 256

struct cmdline_word {
	const char *key;
	const char *value;   /* NULL for a word without '=' */
};

struct cmdline {
	char buf[CMDLINE_MAX + 1];
	struct cmdline_word words[CMDLINE_WORDS_MAX];
	size_t n_words;
};

/* Splits text into words. Whitespace separates words outside double quotes; a quote
 * at the start of a word or of its value is removed with its closing partner, as
 * the kernel does. Words after a lone "--" belong to init's argv and are dropped.
 * Returns 0, or -E2BIG (with f set) if the text or the word count is over the limit. */
int cmdline_split(const char *text, struct cmdline *ret, struct fault *f);

#endif
