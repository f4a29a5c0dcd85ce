/* Slot state written into the GPT with libc alone (pread/pwrite on the whole disk),
 * for the supervisor that stays PID 1 and links nothing but libc (hardinitctl and the
 * boot's slot choice use libfdisk: slot_apply.h). */
#ifndef HARDINIT_GPT_SLOT_APPLY_H
#define HARDINIT_GPT_SLOT_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/fault.h"
#include "slots/slot_rule.h"

/* The whole disk and the 1-based partition number of a partition device, from sysfs:
 * "/dev/vda5" → "/dev/vda", 5. Returns 0 or -errno. */
int slot_apply_locate(const char *partition, char *disk, size_t size, int *ret_partno, struct fault *f);

/* Writes into a partition's slot bits what slot_rule_outcome says after outcome o:
 * locks the whole disk (flock LOCK_EX, as slot_apply_update does), reads both GPT
 * headers and entry arrays, refuses a disk whose GPT does not check in full
 * (gpt_label_check: both copies valid and the same), decides from the bits read under
 * the lock (gpt_label_apply_outcome), and when they change writes the backup copy
 * (entry array, then header) and fsyncs, then the primary copy and fsyncs, so that a
 * power cut tears at most one copy. Returns 1 when written, 0 when the rule writes
 * nothing or the bits are already so (*ret_decided, if not NULL, tells which), or
 * -errno with f set. */
int gpt_slot_apply_outcome(const char *partition, enum slot_outcome o, bool *ret_decided, struct fault *f);

/* The booted slot passed its health check: gpt_slot_apply_outcome(GOOD). Returns 0,
 * -EPERM if the slot is marked unbootable, or -errno. */
int gpt_slot_apply_mark_good(const char *partition, struct fault *f);

#endif
