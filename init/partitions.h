/* Block devices and their GPT partition labels: parsed from a devices file (dev host,
 * tests) or scanned with libblkid (boot), then resolved by label with one pure rule. */
#ifndef HARDINIT_PARTITIONS_H
#define HARDINIT_PARTITIONS_H

#include <stddef.h>

#include "common/fault.h"
#include "init/policy.h"

#define DEVICES_MAX 64

struct block_device {
	char path[64];
	char partlabel[POLICY_LABEL_MAX * 4 + 1];   /* UTF-8 of up to 36 UTF-16 units */
};

struct device_list {
	struct block_device devices[DEVICES_MAX];
	size_t n;
};

/* Returns 0 if the list has room for one more device, or -E2BIG: more than DEVICES_MAX
 * partitions cannot be checked for a label on two of them, so none is ignored. */
int devices_check_room(const struct device_list *list, struct fault *f);

/* Parses a devices file: one device per line, `PATH partlabel=LABEL`; blank lines and
 * lines starting with '#' are skipped. Returns 0, -EINVAL (f names the line), or
 * -E2BIG for more than DEVICES_MAX devices. */
int devices_parse_text(const char *text, struct device_list *ret, struct fault *f);

/* Finds the one device labelled `label`. Returns its index; -ENOENT if none;
 * -ENOTUNIQ if more than one carries the label (f lists two of them). */
int devices_find_label(const struct device_list *list, const char *label, struct fault *f);

/* Scans /sys/class/block for partitions and reads their GPT names with libblkid.
 * Returns the number found, -E2BIG if there are more than DEVICES_MAX partitions, or
 * -errno. (partitions_apply.c) */
int devices_scan(struct device_list *ret, struct fault *f);

#endif
