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

/* protection = tpm and migrate = no (decide's facts): a plaintext filesystem is never
 * mounted, whatever else holds: that is what someone with the disk file plants. With
 * migrate = yes, the table below says when it is migrated. */
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

/* One row of the decision table (docs/data-protection.md, "Every boot"). */
struct row {
	enum data_found found;
	const char *label;
	enum data_mark mark;
	bool tpm, migrate, format_blank;
	enum data_integrity integrity;
	enum data_action want;
	const char *reason;      /* a part of why, for DATA_LEAVE_ALONE */
	bool marks_sealed;       /* data_plan_marks_sealed after the action */
};

#define F DATA_LUKS_LABEL_FORMATTING
#define D DATA_LUKS_LABEL
#define NONE_I DATA_INTEGRITY_NONE
#define HMAC DATA_INTEGRITY_HMAC_SHA256

static const struct row rows[] = {
	/* No TPM in the measured window: nothing is touched, whatever the marker. */
	{ DATA_FOUND_BLANK, "", DATA_MARK_NONE, false, true, true, NONE_I, DATA_LEAVE_ALONE, "no TPM measured", false },
	{ DATA_FOUND_EXT4, "", DATA_MARK_NONE, false, true, true, NONE_I, DATA_LEAVE_ALONE, "no TPM measured", false },
	{ DATA_FOUND_LUKS, D, DATA_MARK_NONE, false, true, true, NONE_I, DATA_LEAVE_ALONE, "no TPM measured", false },
	{ DATA_FOUND_LUKS, F, DATA_MARK_MIGRATING, false, true, true, NONE_I, DATA_LEAVE_ALONE, "no TPM measured", false },
	/* Blank: sealed (with format_blank), whatever a readable marker says. */
	{ DATA_FOUND_BLANK, "", DATA_MARK_NONE, true, true, true, NONE_I, DATA_SEAL, NULL, true },
	{ DATA_FOUND_BLANK, "", DATA_MARK_FORMATTING, true, true, true, NONE_I, DATA_SEAL, NULL, true },
	{ DATA_FOUND_BLANK, "", DATA_MARK_MIGRATING, true, true, true, NONE_I, DATA_SEAL, NULL, true },
	{ DATA_FOUND_BLANK, "", DATA_MARK_SEALED, true, true, true, NONE_I, DATA_SEAL, NULL, true },
	{ DATA_FOUND_BLANK, "", DATA_MARK_NONE, true, true, false, NONE_I, DATA_LEAVE_ALONE, "format_blank = no", false },
	{ DATA_FOUND_BLANK, "", DATA_MARK_UNREADABLE, true, true, true, NONE_I, DATA_LEAVE_ALONE, "cannot be read", false },
	/* LUKS2 labelled "formatting": a first boot cut short is sealed again, our cut
	 * migration is resumed, never formatted. */
	{ DATA_FOUND_LUKS, F, DATA_MARK_NONE, true, true, true, NONE_I, DATA_SEAL, NULL, true },
	{ DATA_FOUND_LUKS, F, DATA_MARK_FORMATTING, true, true, true, NONE_I, DATA_SEAL, NULL, true },
	{ DATA_FOUND_LUKS, F, DATA_MARK_SEALED, true, true, true, NONE_I, DATA_SEAL, NULL, true },
	{ DATA_FOUND_LUKS, F, DATA_MARK_NONE, true, true, false, NONE_I, DATA_LEAVE_ALONE, "format_blank = no", false },
	{ DATA_FOUND_LUKS, F, DATA_MARK_MIGRATING, true, true, true, NONE_I, DATA_MIGRATE_RESUME, NULL, true },
	{ DATA_FOUND_LUKS, F, DATA_MARK_MIGRATING, true, false, false, NONE_I, DATA_MIGRATE_RESUME, NULL, true },
	{ DATA_FOUND_LUKS, F, DATA_MARK_UNREADABLE, true, true, true, NONE_I, DATA_LEAVE_ALONE, "cannot be read", false },
	/* Any other LUKS2 volume: unlocked (its header and token decide); the marker is
	 * written sealed when it does not say so yet. */
	{ DATA_FOUND_LUKS, D, DATA_MARK_NONE, true, true, true, NONE_I, DATA_UNLOCK, NULL, true },
	{ DATA_FOUND_LUKS, D, DATA_MARK_FORMATTING, true, true, true, NONE_I, DATA_UNLOCK, NULL, true },
	{ DATA_FOUND_LUKS, D, DATA_MARK_MIGRATING, true, true, true, NONE_I, DATA_UNLOCK, NULL, true },
	{ DATA_FOUND_LUKS, D, DATA_MARK_SEALED, true, true, true, NONE_I, DATA_UNLOCK, NULL, false },
	{ DATA_FOUND_LUKS, D, DATA_MARK_UNREADABLE, true, true, true, NONE_I, DATA_UNLOCK, NULL, false },
	{ DATA_FOUND_LUKS, "other", DATA_MARK_SEALED, true, false, false, HMAC, DATA_UNLOCK, NULL, false },
	/* A plaintext ext4: migrated when this TPM never sealed (none) or our migration was
	 * cut before its header (migrating), and the policy allows it; never mounted where
	 * this TPM sealed the data, nor when the marker cannot be read. */
	{ DATA_FOUND_EXT4, "", DATA_MARK_NONE, true, true, true, NONE_I, DATA_MIGRATE, NULL, true },
	{ DATA_FOUND_EXT4, "", DATA_MARK_NONE, true, true, false, NONE_I, DATA_MIGRATE, NULL, true },
	{ DATA_FOUND_EXT4, "", DATA_MARK_MIGRATING, true, true, true, NONE_I, DATA_MIGRATE, NULL, true },
	{ DATA_FOUND_EXT4, "", DATA_MARK_SEALED, true, true, true, NONE_I, DATA_LEAVE_ALONE,
	  "a plaintext filesystem where this TPM sealed the data", false },
	{ DATA_FOUND_EXT4, "", DATA_MARK_SEALED, true, false, true, NONE_I, DATA_LEAVE_ALONE,
	  "a plaintext filesystem where this TPM sealed the data", false },
	{ DATA_FOUND_EXT4, "", DATA_MARK_FORMATTING, true, true, true, NONE_I, DATA_LEAVE_ALONE, "first boot", false },
	{ DATA_FOUND_EXT4, "", DATA_MARK_UNREADABLE, true, true, true, NONE_I, DATA_LEAVE_ALONE, "cannot be read", false },
	{ DATA_FOUND_EXT4, "", DATA_MARK_NONE, true, false, true, NONE_I, DATA_LEAVE_ALONE, "migrate = no", false },
	{ DATA_FOUND_EXT4, "", DATA_MARK_MIGRATING, true, false, true, NONE_I, DATA_LEAVE_ALONE, "migrate = no", false },
	{ DATA_FOUND_EXT4, "", DATA_MARK_NONE, true, true, true, HMAC, DATA_LEAVE_ALONE, "integrity = hmac-sha256", false },
	/* Anything else: left alone. */
	{ DATA_FOUND_OTHER, "", DATA_MARK_NONE, true, true, true, NONE_I, DATA_LEAVE_ALONE, "unrecognised", false },
	{ DATA_FOUND_OTHER, "", DATA_MARK_MIGRATING, true, true, true, NONE_I, DATA_LEAVE_ALONE, "unrecognised", false },
	{ DATA_FOUND_OTHER, "", DATA_MARK_SEALED, true, true, true, NONE_I, DATA_LEAVE_ALONE, "unrecognised", false },
};

/* Every row of the table: found x marker x policy x TPM. */
Test(data_plan, table)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct data_facts facts = { .protection = DATA_PROTECTION_TPM, .found = r->found, .luks_label = r->label,
					    .format_blank = r->format_blank, .tpm = r->tpm, .mark = r->mark,
					    .mark_error = "the TPM said no", .migrate = r->migrate,
					    .integrity = r->integrity };
		struct fault why = { "" };
		enum data_action got = data_plan_action(&facts, &why);

		cr_assert_eq(got, r->want, "row %zu (%s, marker %s): %s, not %s (%s)", i, r->label,
			     data_mark_name(r->mark), data_action_name(got), data_action_name(r->want), why.text);
		if (r->reason)
			cr_assert(strstr(why.text, r->reason), "row %zu: '%s' lacks '%s'", i, why.text, r->reason);
		cr_assert_eq(data_plan_marks_sealed(&facts, got), r->marks_sealed, "row %zu", i);
	}
}

/* The reason for an unreadable marker carries what the TPM said. */
Test(data_plan, unreadable_marker_reason)
{
	struct data_facts facts = { .protection = DATA_PROTECTION_TPM, .found = DATA_FOUND_EXT4, .tpm = true,
				    .mark = DATA_MARK_UNREADABLE, .mark_error = "NV index 0x01a0da7a is not hardinit's",
				    .migrate = true };
	struct fault why = { "" };

	cr_assert_eq(data_plan_action(&facts, &why), DATA_LEAVE_ALONE);
	cr_assert(strstr(why.text, "is not hardinit's"), "%s", why.text);
	cr_assert_str_eq(data_mark_name(DATA_MARK_MIGRATING), "migrating");
	cr_assert_str_eq(data_action_name(DATA_MIGRATE_RESUME), "resume the migration");
}

/* protection = none: the marker plays no part. */
Test(data_plan, protection_none_ignores_the_marker)
{
	for (int m = 0; m < DATA_MARK_COUNT; m++) {
		struct data_facts facts = { .protection = DATA_PROTECTION_NONE, .found = DATA_FOUND_EXT4, .tpm = true,
					    .mark = (enum data_mark)m };
		struct fault why = { "" };

		cr_assert_eq(data_plan_action(&facts, &why), DATA_PLAIN);
		cr_assert_not(data_plan_marks_sealed(&facts, DATA_PLAIN));
	}
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
