/* What the parts of hardinitctl share: the state hardinit left in /run/hardinit and the
 * slot-attribute helpers (ctl/hardinitctl.c). */
#ifndef HARDINIT_CTL_H
#define HARDINIT_CTL_H

#include <stdbool.h>

#include "ctl/state_file.h"
#include "slots/slot_state.h"

#define STATE_FILE "/run/hardinit/state"
#define KEYS_DIR "/run/hardinit/keys"

/* Prints "hardinitctl: MESSAGE" on stderr. Returns 1 (the exit status). */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads the state, or says why there is none. Returns 0 or 1 (after a message). */
int need_state(struct boot_state_file *st);

/* Sets a slot's attributes (other bits kept). Returns 0 or 1 (after a message). */
int write_attrs(const char *partition, const struct slot_attrs *a);

/* Gives slot t (0 or 1) the top priority, in trial when `trial` or when it may not boot
 * otherwise (slot_make_first), decided from the GPT and written in one locked
 * read-modify-write (slot_apply_update): one GPT write. Returns 0 or 1 (after a message). */
int make_first(const struct boot_state_file *st, int t, bool trial);

/* hardinitctl update [--force] IMAGE|BUNDLE|-: ctl/update.c. Returns the exit status. */
int update(const char *source, bool force);

#endif
