#ifndef HARDINIT_SLOT_APPLY_H
#define HARDINIT_SLOT_APPLY_H

#include <stdint.h>

#include "common/fault.h"
#include "slots/gpt_slot_apply.h"
#include "slots/slot_state.h"

/* slot_apply_locate, libc alone: slots/gpt_slot_apply.h. */

/* The partition labelled `label` (its GPT name, PARTNAME in sysfs) on the same disk as
 * `partition`: "/dev/vda6", "boot-b" → "/dev/vda4". Returns 0, -ENOENT if the disk
 * has no such partition, -ENOTUNIQ if it has two, or -errno. */
int slot_apply_find_sibling(const char *partition, const char *label, char *ret, size_t size, struct fault *f);

/* A disk whose primary GPT header is damaged (a torn write) shows no partitions: the
 * kernel does not fall back to the backup header unless booted with "gpt". For each
 * whole disk with no partition in sysfs, reads both GPT headers and entry arrays and
 * rewrites the label from the backup (libfdisk: both headers, fresh CRCs), then has the
 * kernel re-read it, only if gpt_plan_repair_decide says so: the primary is invalid,
 * the backup valid and it lists both slot labels (label_a, label_b). No other disk is
 * written. Each disk is decided once (a disk not readable yet is tried again).
 * Returns the number repaired. */
int slot_apply_repair_gpt(const char *label_a, const char *label_b);

/* Reads the GPT attribute field of partition `partition` with libfdisk (which uses the
 * backup GPT header when the primary one is damaged). Returns 0 or -errno. */
int slot_apply_read(const char *partition, uint64_t *ret_attrs, struct fault *f);

/* A change to the two slots' state, decided from what the GPT holds under the disk's
 * lock: changes a[] (a slot without a partition reads as all zero and is not written)
 * and returns 0, or returns -errno with f set to leave the disk as it is. */
typedef int (*slot_apply_change_fn)(struct slot_attrs a[2], void *ctx, struct fault *f);

/* Reads the slot bits of partitions part[0] and part[1] (slot a and b; NULL or "" for
 * one that has no partition; both on one disk), calls change, and writes the slot bits
 * it changed (other bits kept) in one label write: both headers and entry arrays, with
 * fresh CRCs, O_SYNC, then syncs. The whole disk is locked (flock LOCK_EX) from the read
 * to the end of the write, so that a change decided from the state is never made on a
 * state another writer has changed meanwhile. Nothing changed: nothing is written.
 * Returns 1 when written, 0 when nothing changed, change's error, or -errno. */
int slot_apply_update(const char *const part[2], slot_apply_change_fn change, void *ctx, struct fault *f);

/* Sets the slot bits of a partition's GPT attributes (other bits kept) and writes the
 * label as slot_apply_update does. Returns 0 or -errno. */
int slot_apply_write(const char *partition, const struct slot_attrs *a, struct fault *f);

/* Writes into a partition's slot bits what slot_rule_outcome says after outcome o,
 * decided from the state read while the disk is locked for the write. Returns 1 when
 * written, 0 when the rule writes nothing (nothing is written), or -errno. */
int slot_apply_outcome(const char *partition, enum slot_outcome o, struct fault *f);

/* The booted slot passed its health check (hardinitctl mark-good, and a supervising
 * hardinit's health check): slot_apply_outcome(SLOT_OUTCOME_GOOD).
 * Returns 0, -EPERM if the slot is marked unbootable, or -errno. */
int slot_apply_mark_good(const char *partition, struct fault *f);

#endif
