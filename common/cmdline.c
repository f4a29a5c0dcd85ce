#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "common/cmdline.h"

/* Cuts the next word at *pos in place, mirroring the kernel's next_arg(): a quote
 * toggles "inside quotes", the first '=' splits key and value, a quote that opens
 * the word or the value is dropped together with a quote that ends the word.
 * Returns the position after the word. */
static char *cut_word(char *args, struct cmdline_word *ret)
{
	size_t i, equals = 0;
	int in_quote = 0, quoted = 0;

	if (*args == '"') {
		args++;
		in_quote = 1;
		quoted = 1;
	}
	for (i = 0; args[i]; i++) {
		if (isspace((unsigned char)args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}

	ret->key = args;
	ret->value = NULL;
	if (equals) {
		char *value = args + equals + 1;
		args[equals] = '\0';
		if (*value == '"') {
			value++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
		ret->value = value;
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';

	if (args[i]) {
		args[i] = '\0';
		i++;
	}
	return args + i;
}

int cmdline_split(const char *text, struct cmdline *ret, struct fault *f)
{
	size_t len = strlen(text);
	char *pos;

	if (len > CMDLINE_MAX)
		return fault_set(f, E2BIG, "command line is %zu bytes, over the limit of %d", len,
				 CMDLINE_MAX);
	memcpy(ret->buf, text, len + 1);
	ret->n_words = 0;

	pos = ret->buf;
	for (;;) {
		struct cmdline_word w;

		while (isspace((unsigned char)*pos))
			pos++;
		if (!*pos)
			return 0;
		pos = cut_word(pos, &w);
		if (strcmp(w.key, "--") == 0 && !w.value)
			return 0;
		if (ret->n_words == CMDLINE_WORDS_MAX)
			return fault_set(f, E2BIG, "command line has more than %d words",
					 CMDLINE_WORDS_MAX);
		ret->words[ret->n_words++] = w;
	}
}
