/* Opening a slot's root, the whole sequence the boot runs: footer, version floor,
 * signature, trust, top hash block, dm-verity. One function, so that the boot and the
 * tests that corrupt every block (tests/qemu/probes/verity_sweep.c) run the same code. */
#ifndef HARDINIT_VERITY_OPEN_H
#define HARDINIT_VERITY_OPEN_H

#include <stddef.h>

#include "common/fault.h"
#include "verity/footer.h"
#include "verity/footer_sig.h"
#include "verity/verity_plan.h"

struct verity_open_request {
	const char *device;                 /* the slot partition */
	char slot;                          /* 'a' or 'b', for messages */
	enum verity_mode mode;
	const unsigned char *pinned;        /* roothash= from the command line, or NULL */
	size_t pinned_size;
	const struct footer_keys *keys;     /* the trusted keys (not used when pinned) */
	int keys_result;                    /* what footer_keys_load returned */
	const struct fault *keys_fault;     /* and why, when it failed */
	unsigned long long min_version;     /* the policy's floor (rollback) */
	enum corruption_action on_corruption;
	const char *dm_name;                /* /dev/mapper/<dm_name> */
};

/* Reads the footer of req->device, refuses an image version below min_version, checks
 * the footer's signature with the keys (unless the root hash is pinned), decides
 * whether its root hash may be used (verity_plan_trust), checks the top hash block
 * against it, and activates dm-verity. Logs the key that signed, or warns when the root
 * is not authenticated (only when the mode allows that). Returns 0 with *footer and
 * *trust set and the device active; VERITY_ERR_INTEGRITY or VERITY_ERR_REFUSED as
 * -errno for a fault of the image; another -errno otherwise (f says why). */
int verity_open_slot(const struct verity_open_request *req, struct slot_footer *footer, enum root_trust *trust,
		     struct fault *f);

#endif
