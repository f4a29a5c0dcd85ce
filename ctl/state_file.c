#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/decimal.h"
#include "ctl/state_file.h"

/* Takes one "key=value" line (value NUL-terminated, key cut at '='). */
static void take(struct boot_state_file *st, const char *key, const char *value)
{
	uint64_t number;

	if (!strcmp(key, "slot"))
		st->slot = value[0] && !value[1] ? value[0] : '\0';
	else if (!strcmp(key, "partition_a") || !strcmp(key, "partition_b"))
		snprintf(st->partition[key[10] - 'a'], sizeof(st->partition[0]), "%s", value);
	else if (!strcmp(key, "version") && decimal_parse(value, 0, UINT64_MAX, &number) == 0)
		st->version = number;
	else if (!strcmp(key, "boot_tries"))
		(void)decimal_parse_unsigned(value, 1, 15, &st->boot_tries); /* else the default stays */
	else if (!strcmp(key, "min_version") && decimal_parse(value, 0, UINT64_MAX, &number) == 0)
		st->min_version = number;
	else if (!strcmp(key, "chooser"))
		st->chooser = bundle_chooser_parse(value);
}

int state_file_parse(const char *text, struct boot_state_file *st)
{
	char line[256];

	memset(st, 0, sizeof(*st));
	while (*text) {
		size_t len = strcspn(text, "\n");
		char *value;

		/* a line longer than the buffer is cut: no key or value is that long */
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) - 1 ? len : sizeof(line) - 1), text);
		text += len + (text[len] == '\n');
		value = strchr(line, '=');
		if (!value)
			continue;
		*value++ = '\0';
		take(st, line, value);
	}
	return st->slot == 'a' || st->slot == 'b' ? 0 : -EBADMSG;
}
