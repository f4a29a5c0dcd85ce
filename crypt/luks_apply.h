/* The sealed data partition, applied: libcryptsetup with Debian's systemd-tpm2 token
 * plugin to unlock, systemd-cryptenroll to seal at the first boot. Every call that reads
 * the attacker-writable header runs in a child process (common/child.h): a crafted
 * header that crashes the library cannot take PID 1 down, and the plugin is never
 * loaded into PID 1. docs/data-protection.md. */
#ifndef HARDINIT_LUKS_APPLY_H
#define HARDINIT_LUKS_APPLY_H

#include "common/fault.h"
#include "crypt/data_plan.h"

#define LUKS_CRYPTENROLL "/usr/bin/systemd-cryptenroll"
#define LUKS_ENROL_KEY "/run/hardinit/enrol.key"
#define LUKS_MIGRATE_HEADER "/run/hardinit/migrate.hdr" /* the new header, made before it goes on the disk */
#define LUKS_LOCK_DIR "/run/cryptsetup"               /* libcryptsetup's locks (reencryption takes one) */

/* Opens device's LUKS2 volume as /dev/mapper/name with its TPM token: only after the
 * header has the shape hardinit formats and the token names this boot image's PCR key
 * at pcr_key (data_plan_check_header, data_plan_check_token). Needs the stub's PCR
 * signature at DATA_SIGNATURE_RUN (luks_apply_install_signature).
 * Returns 0, or -errno with why set (the TPM refused: -EPERM or the plugin's error). */
int luks_apply_unlock(const char *device, const char *name, const char *pcr_key, enum data_integrity integrity,
		      struct fault *why);

/* The first boot of a blank partition: formats device as LUKS2 (aes-xts-plain64, a
 * random 512-bit volume key, label DATA_LUKS_LABEL_FORMATTING) with a temporary
 * keyslot, enrols a systemd-tpm2 token for the signed PCR 11 policy of pcr_key with
 * systemd-cryptenroll, checks that the token opens it now, destroys the temporary
 * keyslot, opens it as /dev/mapper/name and zeroes the first and last MiB inside (so
 * the ext4 rules see a blank volume to format; with integrity, all of it, which writes
 * every sector's tag: a sector never written would fail to read). The label stays
 * "formatting" until
 * luks_apply_set_label: a cut first boot is redone.
 * Returns 0, or -errno with why set. */
int luks_apply_seal(const char *device, const char *name, const char *pcr_key, enum data_integrity integrity,
		    struct fault *why);

/* A migration of the data partition from a plaintext ext4 to the sealed volume
 * (docs/data-protection.md, "Migration"). */
struct luks_migration {
	const char *device;
	const char *name;         /* opened as /dev/mapper/name when done */
	const char *pcr_key;
	const char *key_hex;      /* the temporary keyslot's passphrase: the data marker's key, as hex */
	int sector_size;          /* begin: the encryption sector size (migrate_plan_sector_size) */
	bool begin;               /* the partition holds the plaintext ext4, shrunk by MIGRATE_REDUCE;
	                           * false: the volume labelled "formatting" of a cut migration */
};

/* Migrates in a child process. begin: makes the new LUKS2 header (aes-xts-plain64, a
 * random 512-bit volume key, label DATA_LUKS_LABEL_FORMATTING, a temporary keyslot for
 * key_hex with PBKDF2 minimal) in LUKS_MIGRATE_HEADER, initialises the encryption with
 * a MIGRATE_HEADER data shift (the filesystem's first 16 MiB go to the partition's
 * end), and only then writes the header at the partition's start. Then, and for a cut
 * migration, steps as migrate_plan_step says until done: recovers a cut hotzone, runs
 * the encryption with a console line every few seconds, enrols the TPM token (as the
 * first boot does), checks it, destroys the temporary keyslot, and opens the volume as
 * /dev/mapper/name. The label stays "formatting" (luks_apply_set_label).
 * Returns 0, or -errno with why set (a cut migration is never formatted: the next boot
 * goes on from where this one stopped). */
int luks_apply_migrate(const struct luks_migration *m, struct fault *why);

/* Sets the LUKS2 label of device (DATA_LUKS_LABEL once the filesystem inside is made).
 * Returns 0 or -errno. */
int luks_apply_set_label(const char *device, const char *label, struct fault *why);

/* Closes /dev/mapper/name if it is open. Returns 0 or -errno. */
int luks_apply_close(const char *name, struct fault *why);

/* Copies the stub's PCR signature (DATA_SIGNATURE_STUB, a regular file of at most
 * DATA_SIGNATURE_MAX bytes, no symlink followed) to DATA_SIGNATURE_RUN, where the
 * token plugin looks for it. Returns 0, or -ENOENT when the boot image carries none. */
int luks_apply_install_signature(struct fault *why);

#endif
