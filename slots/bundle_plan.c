#include <errno.h>
#include <string.h>

#include "slots/bundle_plan.h"

enum slot_chooser bundle_chooser_parse(const char *value)
{
	if (strcmp(value, "loader") == 0)
		return CHOOSER_LOADER;
	if (strcmp(value, "initramfs") == 0)
		return CHOOSER_INITRAMFS;
	return CHOOSER_UNKNOWN;
}

int bundle_plan_decide(enum update_kind kind, const struct bundle_header *h, const struct bundle_target *t,
		       struct bundle_plan *ret, struct fault *f)
{
	bool bundle = kind == UPDATE_BUNDLE;

	memset(ret, 0, sizeof(*ret));
	if (!t->running_good)
		return fault_set(f, EAGAIN, "the running slot is not marked good yet: until its health check passes "
				 "(hardinitctl mark-good) it is still on trial, and writing slot %c now would leave no slot "
				 "to fall back to", t->slot);
	if (bundle && !h->slot)
		return fault_set(f, EINVAL, "the bundle names no slot (slot= is missing from its footer)");
	if (h->slot && h->slot != t->slot)
		return fault_set(f, EINVAL, "it is built for slot %c, and the slot to write is %c (the one not running)",
				 h->slot, t->slot);
	if (bundle && !h->body_size)
		return fault_set(f, EINVAL, "the bundle gives no body_size");
	if (t->root_size < BUNDLE_FOOTER_SIZE || h->body_size > t->root_size - BUNDLE_FOOTER_SIZE)
		return fault_set(f, EFBIG, "its root (%llu bytes and a %d-byte footer) does not fit slot %c's partition (%llu bytes)",
				 (unsigned long long)h->body_size, BUNDLE_FOOTER_SIZE, t->slot,
				 (unsigned long long)t->root_size);
	if (bundle && h->has_boot && h->boot_size > t->boot_size)
		return fault_set(f, EFBIG, "its boot image (%llu bytes) does not fit boot-%c (%llu bytes%s)",
				 (unsigned long long)h->boot_size, t->slot, (unsigned long long)t->boot_size,
				 t->boot_size ? "" : ": no such partition");
	if (t->chooser != CHOOSER_INITRAMFS && !(bundle && h->has_boot))
		return fault_set(f, EPERM, "this system booted %s: boot-%c's boot image pins its root's hash, so a "
				 "new root alone would never boot; use a bundle with a boot image",
				 t->chooser == CHOOSER_LOADER ? "a slot a bootloader chose (the firmware chain)"
							      : "without saying who chose its slot (no chooser= in the state)",
				 t->slot);
	ret->write_boot = bundle && h->has_boot;
	ret->boot_size = ret->write_boot ? h->boot_size : 0;
	ret->body_size = h->body_size;
	return 0;
}
