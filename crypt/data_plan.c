#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "crypt/data_plan.h"

static const char *const protection_names[DATA_PROTECTION_COUNT] = { "none", "tpm" };

const char *data_protection_name(enum data_protection p)
{
	return p < DATA_PROTECTION_COUNT ? protection_names[p] : "?";
}

static const char *const integrity_names[DATA_INTEGRITY_COUNT] = { "none", "hmac-sha256" };

const char *data_integrity_name(enum data_integrity i)
{
	return i < DATA_INTEGRITY_COUNT ? integrity_names[i] : "?";
}

const char *data_integrity_algorithm(enum data_integrity i)
{
	return i == DATA_INTEGRITY_HMAC_SHA256 ? DATA_INTEGRITY_HMAC : NULL;
}

int data_key_bytes(enum data_integrity i)
{
	return DATA_KEY_BYTES + (i == DATA_INTEGRITY_HMAC_SHA256 ? DATA_INTEGRITY_KEY_BYTES : 0);
}

static const char *const mark_names[DATA_MARK_COUNT] = { "none", "formatting", "migrating", "sealed", "unreadable" };

const char *data_mark_name(enum data_mark m)
{
	return m < DATA_MARK_COUNT ? mark_names[m] : "?";
}

const char *data_action_name(enum data_action a)
{
	switch (a) {
	case DATA_PLAIN: return "plain";
	case DATA_SEAL: return "seal";
	case DATA_UNLOCK: return "unlock";
	case DATA_MIGRATE: return "migrate";
	case DATA_MIGRATE_RESUME: return "resume the migration";
	case DATA_LEAVE_ALONE: return "leave alone";
	}
	return "?";
}

/* The plaintext ext4 rows (protection = tpm, a TPM, a readable marker). */
static enum data_action plaintext(const struct data_facts *facts, struct fault *why)
{
	if (facts->mark == DATA_MARK_SEALED) {
		fault_set(why, EPERM, "a plaintext filesystem where this TPM sealed the data: not mounted, left untouched");
		return DATA_LEAVE_ALONE;
	}
	if (facts->mark == DATA_MARK_FORMATTING) {
		fault_set(why, EPERM, "a plaintext filesystem where this TPM's first boot was sealing a blank partition: "
			  "not mounted, left untouched");
		return DATA_LEAVE_ALONE;
	}
	if (!facts->migrate) {
		fault_set(why, EPERM, "a plaintext ext4 filesystem where protection = tpm requires the sealed LUKS2 volume, "
			  "and migrate = no: not mounted, left untouched");
		return DATA_LEAVE_ALONE;
	}
	if (facts->integrity != DATA_INTEGRITY_NONE) {
		fault_set(why, EPERM, "a plaintext ext4 filesystem where protection = tpm requires the sealed LUKS2 volume, "
			  "and integrity = %s cannot be added in place: not mounted, left untouched",
			  data_integrity_name(facts->integrity));
		return DATA_LEAVE_ALONE;
	}
	return DATA_MIGRATE;
}

enum data_action data_plan_action(const struct data_facts *facts, struct fault *why)
{
	bool formatting = facts->found == DATA_FOUND_LUKS && facts->luks_label &&
			  strcmp(facts->luks_label, DATA_LUKS_LABEL_FORMATTING) == 0;

	if (facts->protection == DATA_PROTECTION_NONE) {
		if (facts->found != DATA_FOUND_LUKS)
			return DATA_PLAIN;
		fault_set(why, EMEDIUMTYPE, "a LUKS volume where protection = none expects ext4: left untouched");
		return DATA_LEAVE_ALONE;
	}
	if (facts->found == DATA_FOUND_OTHER) {
		fault_set(why, EMEDIUMTYPE, "unrecognised data where protection = tpm requires the sealed LUKS2 volume: "
			  "left untouched");
		return DATA_LEAVE_ALONE;
	}
	if (!facts->tpm) {
		if (facts->found == DATA_FOUND_EXT4)
			fault_set(why, ENODEV, "a plaintext ext4 filesystem where protection = tpm requires the sealed LUKS2 "
				  "volume, and no TPM measured this boot: not mounted, left untouched");
		else
			fault_set(why, ENODEV, "protection = tpm, but no TPM measured this boot: the data partition is left "
				  "untouched");
		return DATA_LEAVE_ALONE;
	}
	if (facts->mark == DATA_MARK_UNREADABLE) {
		if (facts->found == DATA_FOUND_LUKS && !formatting)
			return DATA_UNLOCK;
		fault_set(why, EPERM, "the TPM's data marker cannot be read (%s): nothing is formatted or migrated, "
			  "left untouched", facts->mark_error ? facts->mark_error : "?");
		return DATA_LEAVE_ALONE;
	}
	if (facts->found == DATA_FOUND_EXT4)
		return plaintext(facts, why);
	if (formatting && facts->mark == DATA_MARK_MIGRATING)
		return DATA_MIGRATE_RESUME;
	if (facts->found == DATA_FOUND_BLANK || formatting) {
		if (facts->format_blank)
			return DATA_SEAL;
		fault_set(why, EPERM, "a blank data partition and format_blank = no: left untouched");
		return DATA_LEAVE_ALONE;
	}
	return DATA_UNLOCK;
}

bool data_plan_marks_sealed(const struct data_facts *facts, enum data_action action)
{
	switch (action) {
	case DATA_SEAL:
	case DATA_MIGRATE:
	case DATA_MIGRATE_RESUME:
		return true;
	case DATA_UNLOCK:
		return facts->mark != DATA_MARK_SEALED && facts->mark != DATA_MARK_UNREADABLE;
	default:
		return false;
	}
}

int data_plan_check_header(const char *type, const char *cipher, const char *mode, int key_bytes,
			   const char *integrity, enum data_integrity want, const char *label, struct fault *why)
{
	const char *want_alg = data_integrity_algorithm(want);
	int want_bytes = data_key_bytes(want);

	if (!type || strcmp(type, "LUKS2"))
		return fault_set(why, EMEDIUMTYPE, "the volume is %s, not LUKS2", type ? type : "of no known type");
	if (!cipher || !mode || strcmp(cipher, DATA_CIPHER) || strcmp(mode, DATA_CIPHER_MODE) || key_bytes != want_bytes)
		return fault_set(why, EMEDIUMTYPE, "the volume's cipher is %s-%s with a %d-byte key, not %s-%s with %d",
				 cipher ? cipher : "?", mode ? mode : "?", key_bytes, DATA_CIPHER, DATA_CIPHER_MODE,
				 want_bytes);
	if (integrity && !integrity[0])
		integrity = NULL;
	if ((integrity == NULL) != (want_alg == NULL) || (integrity && strcmp(integrity, want_alg)))
		return fault_set(why, EMEDIUMTYPE, "the volume's integrity is %s, the policy's %s", integrity ? integrity : "none",
				 want_alg ? want_alg : "none");
	if (!label || strcmp(label, DATA_LUKS_LABEL))
		return fault_set(why, EMEDIUMTYPE, "the volume's label is '%s', not '%s'", label ? label : "", DATA_LUKS_LABEL);
	return 0;
}

/* True if member key of o is an array of exactly the integers want[0..n-1]. */
static bool int_array_is(json_object *o, const char *key, const int *want, size_t n)
{
	json_object *a;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != want[i])
			return false;
	}
	return true;
}

/* True if member key of o is the string want. */
static bool string_is(json_object *o, const char *key, const char *want)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) &&
	       strcmp(json_object_get_string(v), want) == 0;
}

int data_plan_check_token(const char *json, const char *pcr_key, size_t pcr_key_size, struct fault *why)
{
	static const int signed_pcrs[] = { DATA_PCR_SIGNED };
	json_object *o = json ? json_tokener_parse(json) : NULL, *slots;
	char *pubkey = NULL;
	int r = -EPERM;

	if (!o || !json_object_is_type(o, json_type_object))
		fault_set(why, EPERM, "the token is not a JSON object");
	else if (!string_is(o, "type", "systemd-tpm2"))
		fault_set(why, EPERM, "the token is not of type systemd-tpm2");
	else if (!json_object_object_get_ex(o, "keyslots", &slots) || !json_object_is_type(slots, json_type_array) ||
		 json_object_array_length(slots) != 1)
		fault_set(why, EPERM, "the token does not name exactly one keyslot");
	else if (!int_array_is(o, "tpm2-pcrs", NULL, 0))
		fault_set(why, EPERM, "the token binds plain PCR values (tpm2-pcrs is not empty)");
	else if (!int_array_is(o, "tpm2_pubkey_pcrs", signed_pcrs, 1))
		fault_set(why, EPERM, "the token's signed policy is not on PCR %d alone", DATA_PCR_SIGNED);
	else if (pcr_key_size > 16384 || !(pubkey = malloc(4 * ((pcr_key_size + 2) / 3) + 1)))
		fault_set(why, ENOMEM, "unable to encode the PCR public key");
	else {
		EVP_EncodeBlock((unsigned char *)pubkey, (const unsigned char *)pcr_key, (int)pcr_key_size);
		if (string_is(o, "tpm2_pubkey", pubkey))
			r = 0;
		else
			fault_set(why, EPERM, "the token's signed policy is for another PCR public key than this boot image's");
	}
	free(pubkey);
	json_object_put(o);
	return r;
}
