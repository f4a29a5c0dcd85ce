/* Update bundles (docs/slot-format.md, "Update bundle"): the decisions hardinitctl
 * update takes from a bundle's signed header (or a plain slot image's footer) and the
 * target slot's partitions, before it writes anything. Pure: values in, a plan out. */
#ifndef HARDINIT_BUNDLE_PLAN_H
#define HARDINIT_BUNDLE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/fault.h"

#define BUNDLE_FOOTER_SIZE 4096

/* Who chose the running slot (the chooser= line hardinit leaves in /run/hardinit/state). */
enum slot_chooser {
	CHOOSER_UNKNOWN,     /* no chooser= line (an older hardinit): treated as the loader */
	CHOOSER_INITRAMFS,   /* hardinit chose from the GPT bits (direct boot) */
	CHOOSER_LOADER,      /* a bootloader named it (hardinit.slot=): the firmware chain */
};

enum update_kind {
	UPDATE_BUNDLE,       /* footer || boot image || body, in that order */
	UPDATE_SLOT_IMAGE,   /* a plain slot image file: body ... footer at its end */
};

/* What the signed footer says about the image (0 / '\0' / false when absent). */
struct bundle_header {
	char slot;
	uint64_t body_size;
	bool has_boot;
	uint64_t boot_size;
};

/* The slot to be written: the one not running. */
struct bundle_target {
	char slot;                  /* 'a' or 'b' */
	uint64_t root_size;         /* bytes of rootfs-X */
	uint64_t boot_size;         /* bytes of boot-X; 0 when there is none */
	enum slot_chooser chooser;
	bool running_good;          /* the running slot is marked good (successful bit) */
};

struct bundle_plan {
	bool write_boot;            /* write boot_size bytes into boot-X */
	uint64_t boot_size;
	uint64_t body_size;         /* bytes to write at rootfs-X's start (a bundle's) */
};

/* Parses a chooser= value: "loader", "initramfs"; anything else is CHOOSER_UNKNOWN. */
enum slot_chooser bundle_chooser_parse(const char *value);

/* Decides an update from the header and the target:
 *   - a bundle must name the target slot (slot=) and give body_size; a slot image that
 *     names a slot must name the target;
 *   - the body and the footer must fit rootfs-X; a boot image must fit boot-X;
 *   - the running slot must be marked good: until its health check passed it may be on
 *     its last try, and marking the target unbootable for the write would leave no slot
 *     to fall back to (a power cut or a failed update would then brick the machine);
 *   - when a bootloader chose the running slot (or it is unknown who did), the update
 *     must bring a boot image: boot-X pins its root's hash, so a new root alone would
 *     never boot; a plain slot image never carries one.
 * Returns 0 with *ret, or -EINVAL (wrong slot, missing keys), -EFBIG (does not fit),
 * -EPERM (a root alone under the loader), -EAGAIN (the running slot is not marked good
 * yet); f says why. */
int bundle_plan_decide(enum update_kind kind, const struct bundle_header *h, const struct bundle_target *t,
		       struct bundle_plan *ret, struct fault *f);

#endif
