#ifndef HARDINIT_SLOT_APPLY_H
#define HARDINIT_SLOT_APPLY_H

#include <stdint.h>

#include "common/fault.h"
#include "slots/slot_state.h"

/* The whole disk and the 1-based partition number of a partition device, from sysfs:
 * "/dev/vda5" → "/dev/vda", 5. Returns 0 or -errno. */
int slot_apply_locate(const char *partition, char *disk, size_t size, int *ret_partno, struct fault *f);

/* A disk whose primary GPT header is damaged (a torn write) shows no partitions: the
 * kernel does not fall back to the backup header unless booted with "gpt". For each
 * whole disk that has a GPT libfdisk can read (from the backup) but no partition in
 * sysfs, rewrites the label from what libfdisk read (both headers, fresh CRCs) and asks
 * the kernel to re-read it. Each disk is tried once. Returns the number repaired. */
int slot_apply_repair_gpt(void);

/* Reads the GPT attribute field of partition `partition` with libfdisk (which uses the
 * backup GPT header when the primary one is damaged). Returns 0 or -errno. */
int slot_apply_read(const char *partition, uint64_t *ret_attrs, struct fault *f);

/* Sets the slot bits of a partition's GPT attributes (other bits kept) and writes the
 * label: both headers and entry arrays, with fresh CRCs, then syncs. Returns 0 or -errno. */
int slot_apply_write(const char *partition, const struct slot_attrs *a, struct fault *f);

/* The booted slot passed its health check: sets its successful bit and clears its
 * tries (hardinitctl mark-good, and a supervising hardinit's health check).
 * Returns 0, -EPERM if the slot is marked unbootable, or -errno. */
int slot_apply_mark_good(const char *partition, struct fault *f);

#endif
