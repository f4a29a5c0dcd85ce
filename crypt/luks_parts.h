/* The pieces the sealed data partition's apply files share (luks_apply.c: first boot,
 * unlock; luks_migrate.c: migration). For code that already runs in a child process
 * (common/child.h): they parse the attacker-writable header or load the token plugin. */
#ifndef HARDINIT_LUKS_PARTS_H
#define HARDINIT_LUKS_PARTS_H

#include <sys/types.h>

#include <libcryptsetup.h>

#include "common/fault.h"

#define TOKENS_MAX 32                 /* LUKS2's token slots */
#define KEYSLOTS_MAX 32               /* LUKS2's keyslots */
#define ENROL_KEY_BYTES 32            /* a temporary keyslot's key (its passphrase is the hex) */

/* libcryptsetup's log callback: its messages, into our log. */
void luks_crypt_log(int level, const char *msg, void *usrptr);

/* Reads the regular file path (no symlink followed) of at most max bytes into a
 * malloc'd, NUL-terminated buffer. Returns its size and *ret, or -errno. */
ssize_t luks_read_small(const char *path, size_t max, char **ret);

/* Loads device's LUKS2 header into *ret (crypt_free it, also on failure). Returns 0 or
 * -errno with why set. */
int luks_load(const char *device, struct crypt_device **ret, struct fault *why);

/* The volume's only token, which must be a systemd-tpm2 token for the signed policy of
 * the PCR key at pcr_key (data_plan_check_token). Returns its id, or -errno with why
 * set. */
int luks_find_token(struct crypt_device *cd, const char *pcr_key, struct fault *why);

/* Opens the volume with its token as /dev/mapper/name (name NULL: only checks that the
 * TPM unseals it now). Returns 0 or -errno with why set. */
int luks_activate(struct crypt_device *cd, int token, const char *name, struct fault *why);

/* A fresh random key for a temporary keyslot, as hex. Returns 0 or -errno. */
int luks_random_key(char hex[2 * ENROL_KEY_BYTES + 1], struct fault *why);

/* Enrols the systemd-tpm2 token for the signed PCR 11 policy of pcr_key on device with
 * systemd-cryptenroll, unlocking with the temporary keyslot's passphrase hex (given to
 * it in LUKS_ENROL_KEY, a tmpfs file, 0600, for as long as it runs). The same for a
 * first boot and a migration. Returns 0 or -errno with why set. */
int luks_enrol(const char *device, const char *pcr_key, const char *hex, struct fault *why);

/* Checks the enrolled token as every later boot checks it, requires it to open the
 * volume now, and only then destroys the temporary keyslot slot; then opens the volume
 * as /dev/mapper/name. Returns 0 or -errno with why set. */
int luks_keep_token_only(const char *device, const char *pcr_key, int slot, const char *name, struct fault *why);

#endif
