/* The sealed data partition (docs/data-protection.md): what to do with the data
 * partition under the policy's protection, decided from what is on it, and whether a
 * LUKS2 header read from it has the shape hardinit makes. Pure: text in, decision out. */
#ifndef HARDINIT_DATA_PLAN_H
#define HARDINIT_DATA_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/fault.h"

/* [data] protection: none (a plain ext4 filesystem, as before), or tpm (LUKS2 whose key
 * only this TPM releases, and only to a boot image signed with the PCR key). */
enum data_protection { DATA_PROTECTION_NONE, DATA_PROTECTION_TPM, DATA_PROTECTION_COUNT };

#define DATA_DM_NAME "data"                    /* /dev/mapper/data */
#define DATA_PCR_KEY "/etc/hardinit/pcr-key.pem" /* the PCR public key, in the signed initramfs */
#define DATA_SIGNATURE_STUB "/.extra/tpm2-pcr-signature.json" /* the stub's copy of .pcrsig */
#define DATA_SIGNATURE_RUN "/run/systemd/tpm2-pcr-signature.json" /* where the token plugin looks */
#define DATA_SIGNATURE_MAX 65536
/* The LUKS2 label says how far the first boot got: a volume still labelled
 * "formatting" holds no data yet (the label changes once the filesystem inside is
 * made), so a first boot cut by a power loss is redone, not left locked. */
#define DATA_LUKS_LABEL_FORMATTING "hardinit-formatting"
#define DATA_LUKS_LABEL "hardinit-data"
#define DATA_CIPHER "aes"
#define DATA_CIPHER_MODE "xts-plain64"
#define DATA_KEY_BYTES 64                      /* AES-256 in XTS mode */
#define DATA_INTEGRITY_KEY_BYTES 32            /* HMAC-SHA256's key, with integrity */
#define DATA_PCR_SIGNED 11                     /* the PCR of the signed policy */

const char *data_protection_name(enum data_protection p);

/* [data] integrity (protection = tpm only): none, or hmac-sha256: authenticated
 * encryption (dm-integrity under dm-crypt, an HMAC-SHA256 tag per sector), so that a
 * changed or moved sector fails to read (EILSEQ) instead of decrypting to noise. */
enum data_integrity { DATA_INTEGRITY_NONE, DATA_INTEGRITY_HMAC_SHA256, DATA_INTEGRITY_COUNT };
#define DATA_INTEGRITY_HMAC "hmac(sha256)"   /* libcryptsetup's name for it */

const char *data_integrity_name(enum data_integrity i);

/* libcryptsetup's integrity algorithm for i: NULL for none. */
const char *data_integrity_algorithm(enum data_integrity i);

/* The volume key's size in bytes: the cipher's, plus the HMAC key's with integrity. */
int data_key_bytes(enum data_integrity i);

/* The TPM's data marker (the NV index of tpm/data_marker.h) as the decision sees it:
 * what this TPM remembers about the data partition, out of reach of whoever holds the
 * disk file. */
enum data_mark {
	DATA_MARK_NONE,          /* no index, or state none: nothing sealed by this TPM */
	DATA_MARK_FORMATTING,    /* a first-boot format was under way */
	DATA_MARK_MIGRATING,     /* a migration of ours is under way: its key is the marker's */
	DATA_MARK_SEALED,        /* this TPM sealed the data partition */
	DATA_MARK_UNREADABLE,    /* the index cannot be read or is not hardinit's: fail closed */
	DATA_MARK_COUNT
};

const char *data_mark_name(enum data_mark m);

/* What is found on the data partition (libblkid's view). */
enum data_found {
	DATA_FOUND_BLANK,        /* no signature, first and last MiB all zero */
	DATA_FOUND_EXT4,
	DATA_FOUND_LUKS,         /* crypto_LUKS: its label tells a first boot cut short */
	DATA_FOUND_OTHER,        /* anything else, ambiguous or unreadable */
};

enum data_action {
	DATA_PLAIN,              /* protection none: the ext4 rules (format blank, check, mount) */
	DATA_SEAL,               /* format LUKS2, enrol the TPM token, make ext4 inside, mount */
	DATA_UNLOCK,             /* open LUKS2 with the TPM token, check ext4 inside, mount */
	DATA_MIGRATE,            /* a plaintext ext4 of an appliance never sealed: encrypt it in
	                          * place (LUKS2 reencryption), enrol the TPM token, mount */
	DATA_MIGRATE_RESUME,     /* our migration was cut: resume or finish it with the marker's key */
	DATA_LEAVE_ALONE,        /* never touched, never mounted: degraded (tmpfs) */
};

const char *data_action_name(enum data_action a);

/* The inputs of the decision. */
struct data_facts {
	enum data_protection protection;
	enum data_found found;
	const char *luks_label;  /* the LUKS2 label when found is DATA_FOUND_LUKS, else ignored */
	bool format_blank;       /* [mounts] format_blank */
	bool tpm;                /* a TPM, and this boot measured "enter-initrd" into PCR 11 */
	enum data_mark mark;     /* the TPM's data marker (DATA_MARK_NONE without a TPM) */
	const char *mark_error;  /* why the marker is unreadable (DATA_MARK_UNREADABLE), or NULL */
	bool migrate;            /* [data] migrate: a plaintext ext4 may be migrated */
	enum data_integrity integrity; /* [data] integrity: an authenticated volume cannot be
	                          * made in place, so a plaintext ext4 is then not migrated */
};

/* Decides what to do with the data partition (docs/data-protection.md's table).
 * protection none: DATA_PLAIN, except a LUKS volume (left alone: it is not plain
 * state); the marker plays no part. protection tpm, with a TPM in the measured window
 * (without one nothing is touched):
 *   - an unreadable marker: a LUKS volume is unlocked (its token alone decides), and
 *     nothing is ever formatted or migrated: anything else is left alone;
 *   - a blank partition, or a LUKS volume labelled "formatting" while the marker is not
 *     MIGRATING (a first boot cut short), is sealed when format_blank;
 *   - a LUKS volume labelled "formatting" while the marker is MIGRATING is our cut
 *     migration: resumed, never formatted;
 *   - any other LUKS volume is unlocked;
 *   - a plaintext ext4 is migrated when the marker is NONE (an appliance this TPM never
 *     sealed) or MIGRATING (our migration cut before its header was written), migrate =
 *     yes and integrity none; with the marker SEALED (or FORMATTING) it is what
 *     someone holding the disk would plant: never mounted;
 *   - anything else is left alone.
 * Returns the action; why says the reason when it is DATA_LEAVE_ALONE. */
enum data_action data_plan_action(const struct data_facts *facts, struct fault *why);

/* Whether, once action has succeeded, the marker must be written SEALED (its key
 * zeroed): after a seal or a migration always, after an unlock when the marker does not
 * say so yet (a volume sealed before the marker existed, or a cut between the label and
 * the marker's write), never when it is unreadable. */
bool data_plan_marks_sealed(const struct data_facts *facts, enum data_action action);

/* Checks the header libcryptsetup loaded from the partition against the shape hardinit
 * formats: LUKS2, aes xts-plain64 with a 512-bit key, the policy's integrity (want;
 * integrity is the header's, NULL or "" for none), the final label.
 * Returns 0, or -EMEDIUMTYPE with why set. */
int data_plan_check_header(const char *type, const char *cipher, const char *mode, int key_bytes,
			   const char *integrity, enum data_integrity want, const char *label, struct fault *why);

/* Checks a token's JSON (read from the attacker-writable header) before the plugin
 * uses it: type systemd-tpm2, exactly one keyslot, no plain PCR binding ("tpm2-pcrs"
 * empty: a plain PCR 7 binding would lock the data out at the next Secure Boot
 * database update), the signed policy on PCR 11 alone ("tpm2_pubkey_pcrs" [11]), and
 * "tpm2_pubkey" the PCR public key of this boot image (pcr_key, its PEM bytes, base64 in
 * the token). A token with another key or no signed policy would unseal without the
 * vendor's signature over this boot: it is refused. Returns 0, or -EPERM with why set. */
int data_plan_check_token(const char *json, const char *pcr_key, size_t pcr_key_size, struct fault *why);

#endif
