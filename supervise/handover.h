/* The hand-over of a supervising PID 1 from hardinit to the small supervisor it execs
 * (supervise/supervisor_main.c): struct supervisor, behind a header that says what it
 * is, in a sealed memfd whose descriptor number the supervisor gets in argv. Both sides
 * are compiled from this header, so the layout is one; the header still checks that it
 * is (magic, version, size). Pure. */
#ifndef HARDINIT_HANDOVER_H
#define HARDINIT_HANDOVER_H

#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"
#include "supervise/supervise_plan.h"

#define HANDOVER_MAGIC 0x56535348u /* "HSSV" */
#define HANDOVER_VERSION 1u

struct handover_header {
	uint32_t magic;
	uint32_t version;
	uint32_t size;      /* of the struct supervisor that follows */
	uint32_t reserved;  /* 0 */
};

#define HANDOVER_SIZE (sizeof(struct handover_header) + sizeof(struct supervisor))

/* Writes the header and *sv into buf (HANDOVER_SIZE bytes). */
void handover_pack(const struct supervisor *sv, uint8_t buf[HANDOVER_SIZE]);

/* Reads what handover_pack wrote, n bytes: the header (magic, version, size, reserved
 * 0, n exactly HANDOVER_SIZE), then the settings: every string ends inside its field,
 * exec is absolute and health_check empty or absolute, the enums and restart_limit are
 * in range, exec has a program descriptor and health_check one exactly when it is set,
 * and a script's interpreter descriptor exactly when it names an interpreter.
 * Returns 0 with *ret, or -EINVAL with f saying what is wrong. */
int handover_unpack(const uint8_t *buf, size_t n, struct supervisor *ret, struct fault *f);

#endif
