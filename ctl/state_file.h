/* /run/hardinit/state: what hardinit tells hardinitctl about the boot (the booted slot,
 * the slot partitions, the image version, the boot tries, who chose the slot). */
#ifndef HARDINIT_STATE_FILE_H
#define HARDINIT_STATE_FILE_H

#include "slots/bundle_plan.h"

#define STATE_FILE "/run/hardinit/state"

struct boot_state_file {
	char slot;
	char partition[2][64];
	unsigned long long version;
	unsigned boot_tries;
	unsigned long long min_version;
	enum slot_chooser chooser;
};

/* Parses the state file's text: `key=value` lines; unknown keys, lines without '=' and
 * values that do not parse are ignored (boot_tries keeps 0, the caller's default).
 * Pure. Returns 0 with *st filled, or -EBADMSG when no line says slot=a or slot=b (an
 * init= boot), *st then holding what was read. */
int state_file_parse(const char *text, struct boot_state_file *st);

#endif
