#include <errno.h>

#include "common/log.h"
#include "verity/verity_apply.h"
#include "verity/verity_open.h"

int verity_open_slot(const struct verity_open_request *req, struct slot_footer *footer, enum root_trust *trust,
		     struct fault *f)
{
	unsigned char block[FOOTER_SIZE];
	struct fault sig_fault = { "" };
	size_t key_index = 0;
	uint64_t size;
	int sig = -ENODATA, r;

	if ((r = verity_apply_read_footer(req->device, block, footer, &size, f)) < 0)
		return r;
	if (footer->version < req->min_version)
		return fault_set(f, VERITY_ERR_REFUSED, "slot %c's image version %llu is below the policy's minimum %llu (rollback refused)",
				 req->slot, (unsigned long long)footer->version, req->min_version);
	if (!req->pinned && req->keys_result >= 0) {
		sig = footer_verify_signature(footer, block, req->keys, &key_index, &sig_fault);
		if (sig == 0)
			log_info("slot footer signed by %s", req->keys->names[key_index]);
	}
	if ((r = verity_plan_trust(req->mode, req->pinned, req->pinned_size, req->keys_result, req->keys_fault,
				   footer, sig, &sig_fault, trust, f)) < 0)
		return r;
	if (*trust == ROOT_TRUST_UNSIGNED)
		log_warning("booting a slot whose root hash is not authenticated (%s), continuing", sig_fault.text);
	/* the footer's root hash: equal to the pinned one when pinned (verity_plan_trust) */
	if ((r = verity_apply_check_top_block(req->device, footer, footer->root_hash, f)) < 0)
		return r;
	return verity_apply_open(req->device, footer, footer->root_hash, req->on_corruption, req->dm_name, f);
}
