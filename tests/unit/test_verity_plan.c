#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "verity/verity_plan.h"

static struct slot_footer footer;
static const struct fault no_fault = { "" };
static const struct fault sig_fault = { "the slot footer's signature matches none of the 1 trusted keys" };

static void setup(void)
{
	memset(&footer, 0, sizeof(footer));
	footer.root_hash_size = 32;
	memset(footer.root_hash, 0x11, 32);
	footer.hash_offset = 8192;
	footer.hash_block_size = 4096;
}

TestSuite(trust, .init = setup);

/* A pinned hash equal to the footer's is trusted, whatever the signature says. */
Test(trust, pinned_matches)
{
	unsigned char pin[32];
	enum root_trust t;

	memset(pin, 0x11, 32);
	cr_assert_eq(verity_plan_trust(VERITY_REQUIRED, pin, 32, 1, &no_fault, &footer, -EKEYREJECTED, &sig_fault, &t, NULL), 0);
	cr_assert_eq(t, ROOT_TRUST_PINNED);
}

/* A pinned hash that differs from the footer's is refused in every mode. */
Test(trust, pinned_mismatch_refused)
{
	unsigned char pin[32];
	struct fault f;
	enum root_trust t;

	memset(pin, 0x22, 32);
	for (int m = 0; m < VERITY_MODE_COUNT; m++) {
		cr_assert_eq(verity_plan_trust(m, pin, 32, 1, &no_fault, &footer, 0, &sig_fault, &t, &f), -EKEYREJECTED);
		cr_assert(strstr(f.text, "does not match"));
	}
}

/* Without a pin, a good signature is needed when verity is required. */
Test(trust, signature_required)
{
	struct fault f;
	enum root_trust t;

	cr_assert_eq(verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &no_fault, &footer, 0, &sig_fault, &t, &f), 0);
	cr_assert_eq(t, ROOT_TRUST_SIGNED);
	cr_assert_eq(verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &no_fault, &footer, -EKEYREJECTED, &sig_fault, &t, &f),
		     -EKEYREJECTED);
	cr_assert(strstr(f.text, "matches none") && strstr(f.text, "verity is required"));
	cr_assert_eq(verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &no_fault, &footer, -ENODATA, &sig_fault, &t, &f), -EKEYREJECTED);
	cr_assert_eq(verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &no_fault, &footer, -ENOKEY, &sig_fault, &t, &f), -ENOKEY);
}

/* Under optional verity an unsigned root is accepted, and said to be unsigned. */
Test(trust, optional_accepts_unsigned)
{
	enum root_trust t;

	cr_assert_eq(verity_plan_trust(VERITY_OPTIONAL, NULL, 0, 1, &no_fault, &footer, -ENODATA, &sig_fault, &t, NULL), 0);
	cr_assert_eq(t, ROOT_TRUST_UNSIGNED);
}

/* A key directory that cannot be loaded (a P-256 key where an Ed25519 key belongs) stops
 * the boot in every mode, even optional, unless the root hash is pinned. */
Test(trust, unloadable_keys_refused_in_every_mode)
{
	static const struct fault keys_fault = { "p256.pem is not an Ed25519 key" };
	unsigned char pin[32];
	struct fault f;
	enum root_trust t;

	for (int m = 0; m < VERITY_MODE_COUNT; m++) {
		for (int sig = -ENODATA; sig <= 0; sig += ENODATA) {
			memset(&f, 0, sizeof(f));
			cr_assert_eq(verity_plan_trust(m, NULL, 0, -EINVAL, &keys_fault, &footer, sig, &sig_fault, &t, &f),
				     -EINVAL, "mode %d", m);
			cr_assert_str_eq(f.text, "unable to load the trusted keys: p256.pem is not an Ed25519 key");
		}
	}
	memset(pin, 0x11, 32);
	cr_assert_eq(verity_plan_trust(VERITY_OPTIONAL, pin, 32, -EINVAL, &keys_fault, &footer, -ENODATA, &sig_fault, &t, &f), 0);
	cr_assert_eq(t, ROOT_TRUST_PINNED);
}

/* The top of the hash tree is one block after veritysetup's superblock. */
Test(trust, top_block_offset)
{
	cr_assert_eq(verity_plan_top_block_offset(&footer), 8192 + 4096);
}

/* Init= mode: a verified dm-verity root boots; a corrupted one never; a plain root
 * only when verity is not required. */
Test(root_check, decisions)
{
	const char *state = NULL;
	struct fault f;

	cr_assert_eq(verity_plan_check_root(VERITY_REQUIRED, true, true, &state, &f), 0);
	cr_assert_str_eq(state, "verified");
	for (int m = 0; m < VERITY_MODE_COUNT; m++)
		cr_assert_eq(verity_plan_check_root(m, true, false, &state, &f), -EBADMSG, "mode %d", m);
	cr_assert_eq(verity_plan_check_root(VERITY_REQUIRED, false, false, &state, &f), -EPERM);
	cr_assert(strstr(f.text, "not a dm-verity device"), "%s", f.text);
	cr_assert_eq(verity_plan_check_root(VERITY_OPTIONAL, false, false, &state, &f), 0);
	cr_assert_str_eq(state, "none");
	cr_assert_eq(verity_plan_check_root(VERITY_OFF, false, false, &state, &f), 0);
	cr_assert_str_eq(state, "none");
}

/* Only cryptsetup's verity UUIDs count as dm-verity: not crypt, not LVM, not a prefix. */
Test(root_check, verity_uuid)
{
	cr_assert(verity_plan_uuid_is_verity("CRYPT-VERITY-5f1b0d2e7c3a4b9e8f6a1d2c3b4a5968-root"));
	cr_assert_not(verity_plan_uuid_is_verity("CRYPT-LUKS2-5f1b0d2e7c3a4b9e8f6a1d2c3b4a5968-root"));
	cr_assert_not(verity_plan_uuid_is_verity("LVM-abcdef"));
	cr_assert_not(verity_plan_uuid_is_verity("CRYPT-VERITY"));
	cr_assert_not(verity_plan_uuid_is_verity(""));
}
