#include <errno.h>
#include <string.h>

#include "verity/verity_plan.h"

int verity_plan_trust(enum verity_mode mode, const unsigned char *pinned, size_t pinned_size,
		      int keys_result, const struct fault *keys_fault,
		      const struct slot_footer *footer, int signature_result,
		      const struct fault *signature_fault, enum root_trust *ret, struct fault *f)
{
	if (pinned) {
		if (pinned_size != footer->root_hash_size ||
		    memcmp(pinned, footer->root_hash, pinned_size) != 0)
			return fault_set(f, VERITY_ERR_REFUSED,
					 "roothash= on the command line does not match the slot footer's root hash");
		*ret = ROOT_TRUST_PINNED;
		return 0;
	}
	if (keys_result < 0)
		return fault_set(f, keys_result, "unable to load the trusted keys: %s", keys_fault->text);
	if (signature_result == 0) {
		*ret = ROOT_TRUST_SIGNED;
		return 0;
	}
	if (mode == VERITY_REQUIRED) {
		bool slot_fault = signature_result == -ENODATA || signature_result == -EKEYREJECTED;
		return fault_set(f, slot_fault ? VERITY_ERR_REFUSED : -signature_result, "%s (verity is required)",
				 signature_fault->text);
	}
	*ret = ROOT_TRUST_UNSIGNED;
	return 0;
}

bool verity_plan_error_condemns_slot(int err)
{
	return err == -VERITY_ERR_INTEGRITY || err == -VERITY_ERR_REFUSED;
}

unsigned long long verity_plan_top_block_offset(const struct slot_footer *footer)
{
	return footer->hash_offset + footer->hash_block_size;
}

bool verity_plan_uuid_is_verity(const char *uuid)
{
	return strncmp(uuid, "CRYPT-VERITY-", strlen("CRYPT-VERITY-")) == 0;
}

int verity_plan_check_root(enum verity_mode mode, bool is_verity, bool verified, const char **ret_state,
			   struct fault *f)
{
	if (is_verity && !verified)
		return fault_set(f, EBADMSG, "dm-verity reports corruption on /");
	if (is_verity) {
		*ret_state = "verified";
		return 0;
	}
	if (mode == VERITY_REQUIRED)
		return fault_set(f, EPERM, "/ is not a dm-verity device (verity is required)");
	*ret_state = "none";
	return 0;
}
