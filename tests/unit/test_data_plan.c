#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypt/data_plan.h"

TestSuite(data_plan, .timeout = 10);

static enum data_action decide(enum data_protection p, enum data_found found, const char *label, bool format_blank,
			       bool tpm, struct fault *why)
{
	struct data_facts facts = { .protection = p, .found = found, .luks_label = label, .format_blank = format_blank,
				    .tpm = tpm };

	why->text[0] = '\0';
	return data_plan_action(&facts, why);
}

/* protection = none keeps the plain rules, and never mounts a LUKS volume as if it
 * were plain state. */
Test(data_plan, protection_none)
{
	struct fault why;

	cr_assert_eq(decide(DATA_PROTECTION_NONE, DATA_FOUND_BLANK, "", true, false, &why), DATA_PLAIN);
	cr_assert_eq(decide(DATA_PROTECTION_NONE, DATA_FOUND_EXT4, "", true, true, &why), DATA_PLAIN);
	cr_assert_eq(decide(DATA_PROTECTION_NONE, DATA_FOUND_OTHER, "", true, true, &why), DATA_PLAIN);
	cr_assert_eq(decide(DATA_PROTECTION_NONE, DATA_FOUND_LUKS, DATA_LUKS_LABEL, true, true, &why), DATA_LEAVE_ALONE);
	cr_assert(strstr(why.text, "protection = none"), "%s", why.text);
}

/* protection = tpm: a plaintext filesystem is never mounted, whatever else holds:
 * that is what someone with the disk file plants. */
Test(data_plan, plaintext_never_mounted)
{
	struct fault why;

	for (int tpm = 0; tpm < 2; tpm++)
		for (int fb = 0; fb < 2; fb++) {
			cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_EXT4, "", fb, tpm, &why), DATA_LEAVE_ALONE);
			cr_assert(strstr(why.text, "plaintext"), "%s", why.text);
			cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_OTHER, "", fb, tpm, &why), DATA_LEAVE_ALONE);
		}
}

/* A blank partition is sealed only with a TPM in the measured window and format_blank;
 * a LUKS volume is unlocked, and one our first boot left "formatting" is sealed again. */
Test(data_plan, seal_and_unlock)
{
	struct fault why;

	cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_BLANK, "", true, true, &why), DATA_SEAL);
	cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_BLANK, "", false, true, &why), DATA_LEAVE_ALONE);
	cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_BLANK, "", true, false, &why), DATA_LEAVE_ALONE);
	cr_assert(strstr(why.text, "no TPM"), "%s", why.text);
	cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_LUKS, DATA_LUKS_LABEL, true, true, &why), DATA_UNLOCK);
	cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_LUKS, "anything", false, true, &why), DATA_UNLOCK,
		     "the header check refuses a foreign label; the token decides");
	cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_LUKS, DATA_LUKS_LABEL_FORMATTING, true, true, &why), DATA_SEAL);
	cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_LUKS, DATA_LUKS_LABEL_FORMATTING, false, true, &why),
		     DATA_LEAVE_ALONE);
	cr_assert_eq(decide(DATA_PROTECTION_TPM, DATA_FOUND_LUKS, DATA_LUKS_LABEL, true, false, &why), DATA_LEAVE_ALONE,
		     "without a TPM nothing is touched");
}

static int header(const char *type, const char *cipher, const char *mode, int key_bytes, const char *integrity,
		  enum data_integrity want, const char *label, struct fault *why)
{
	return data_plan_check_header(type, cipher, mode, key_bytes, integrity, want, label, why);
}

/* The header must have the shape hardinit formats. */
Test(data_plan, header_shape)
{
	const enum data_integrity none = DATA_INTEGRITY_NONE;
	struct fault why = { "" };

	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 64, NULL, none, DATA_LUKS_LABEL, &why), 0);
	cr_assert_eq(header("LUKS1", "aes", "xts-plain64", 64, NULL, none, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE);
	cr_assert_eq(header(NULL, "aes", "xts-plain64", 64, NULL, none, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE);
	cr_assert_eq(header("LUKS2", "cipher_null", "ecb", 0, NULL, none, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE,
		     "a null cipher would be a plaintext volume behind a LUKS header");
	cr_assert(strstr(why.text, "cipher_null"), "%s", why.text);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 32, NULL, none, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE);
	cr_assert_eq(header("LUKS2", "aes", "cbc-plain", 64, NULL, none, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 64, "", none, DATA_LUKS_LABEL, &why), 0);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 64, NULL, none, "other", &why), -EMEDIUMTYPE);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 64, NULL, none, NULL, &why), -EMEDIUMTYPE);
}

/* With integrity the header must carry exactly the policy's, and the volume key the
 * HMAC key too; without it, none. */
Test(data_plan, header_integrity)
{
	const enum data_integrity hmac = DATA_INTEGRITY_HMAC_SHA256, none = DATA_INTEGRITY_NONE;
	struct fault why = { "" };

	cr_assert_eq(data_key_bytes(none), 64);
	cr_assert_eq(data_key_bytes(hmac), 96);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 96, "hmac(sha256)", hmac, DATA_LUKS_LABEL, &why), 0, "%s", why.text);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 64, "hmac(sha256)", none, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 96, NULL, hmac, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE,
		     "integrity required, a volume without it");
	cr_assert(strstr(why.text, "integrity is none"), "%s", why.text);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 96, "hmac(sha1)", hmac, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE);
	cr_assert_eq(header("LUKS2", "aes", "xts-plain64", 64, "hmac(sha256)", hmac, DATA_LUKS_LABEL, &why), -EMEDIUMTYPE);
}

static const char KEY[] = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
/* base64 of KEY */
static const char KEY_B64[] =
	"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFCi0tLS0tRU5EIFBVQkxJQyBLRVktLS0tLQo=";

static int check(const char *pcrs, const char *pubkey_pcrs, const char *pubkey, struct fault *why)
{
	char json[1024];

	snprintf(json, sizeof(json),
		 "{\"type\":\"systemd-tpm2\",\"keyslots\":[\"1\"],\"tpm2-blob\":\"AAAA\",\"tpm2-pcr-bank\":\"sha256\","
		 "\"tpm2-primary-alg\":\"ecc\",\"tpm2-policy-hash\":\"00\",\"tpm2-pin\":false%s%s%s%s%s%s%s}",
		 pcrs ? ",\"tpm2-pcrs\":" : "", pcrs ? pcrs : "", pubkey_pcrs ? ",\"tpm2_pubkey_pcrs\":" : "",
		 pubkey_pcrs ? pubkey_pcrs : "", pubkey ? ",\"tpm2_pubkey\":\"" : "", pubkey ? pubkey : "",
		 pubkey ? "\"" : "");
	return data_plan_check_token(json, KEY, strlen(KEY), why);
}

/* Only a token for this image's PCR key, on PCR 11 alone, with no plain PCR binding. */
Test(data_plan, token)
{
	struct fault why = { "" };

	cr_assert_eq(check("[]", "[11]", KEY_B64, &why), 0, "%s", why.text);
	cr_assert_eq(check("[7]", "[11]", KEY_B64, &why), -EPERM, "bound to PCR 7: a dbx update locks it");
	cr_assert_eq(check(NULL, "[11]", KEY_B64, &why), -EPERM);
	cr_assert_eq(check("[]", "[]", KEY_B64, &why), -EPERM, "no signed policy: unseals with anything");
	cr_assert_eq(check("[]", NULL, KEY_B64, &why), -EPERM);
	cr_assert_eq(check("[]", "[11,12]", KEY_B64, &why), -EPERM);
	cr_assert_eq(check("[]", "[\"11\"]", KEY_B64, &why), -EPERM);
	cr_assert_eq(check("[]", "[11]", NULL, &why), -EPERM);
	cr_assert_eq(check("[]", "[11]", "TFMwdExTMUNSVWRKVGlCUVZVSk1TVU1n", &why), -EPERM, "another key");
	cr_assert(strstr(why.text, "another PCR public key"), "%s", why.text);
	cr_assert_eq(data_plan_check_token("{\"type\":\"systemd-tpm2\"", KEY, strlen(KEY), &why), -EPERM);
	cr_assert_eq(data_plan_check_token("[]", KEY, strlen(KEY), &why), -EPERM);
	cr_assert_eq(data_plan_check_token(NULL, KEY, strlen(KEY), &why), -EPERM);
	cr_assert_eq(data_plan_check_token("{\"type\":\"luks2-keyring\",\"keyslots\":[\"0\"]}", KEY, strlen(KEY), &why),
		     -EPERM);
	cr_assert_eq(data_plan_check_token("{\"type\":\"systemd-tpm2\",\"keyslots\":[\"0\",\"1\"],\"tpm2-pcrs\":[],"
					   "\"tpm2_pubkey_pcrs\":[11],\"tpm2_pubkey\":\"x\"}", KEY, strlen(KEY), &why),
		     -EPERM, "two keyslots");
}
