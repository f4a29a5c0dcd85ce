#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libcryptsetup.h>

#include "common/child.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/spawn.h"
#include "crypt/data_plan.h"
#include "crypt/luks_apply.h"
#include "crypt/luks_parts.h"

#define PCR_KEY_MAX 16384

struct luks_job {
	const char *device;
	const char *name;
	const char *pcr_key;
	const char *label;
	enum data_integrity integrity;
};

/* libcryptsetup's messages, into our log. */
void luks_crypt_log(int level, const char *msg, void *usrptr)
{
	size_t n = strlen(msg);

	(void)usrptr;
	if (n && msg[n - 1] == '\n')
		n--;
	if (level == CRYPT_LOG_ERROR)
		log_error("libcryptsetup: %.*s", (int)n, msg);
	else if (level == CRYPT_LOG_DEBUG || level == CRYPT_LOG_DEBUG_JSON)
		log_debug("libcryptsetup: %.*s", (int)n, msg);
	else
		log_info("libcryptsetup: %.*s", (int)n, msg);
}

/* Reads the regular file path (no symlink followed) of at most max bytes into a
 * malloc'd buffer. Returns its size and *ret, or -errno. */
ssize_t luks_read_small(const char *path, size_t max, char **ret)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t n = -EIO;
	char *buf;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		n = -EMSGSIZE;
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		n = -ENOMEM;
	else if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size) {
		free(buf);
		n = n < 0 ? -errno : -EIO;
	} else {
		buf[n] = '\0';
		*ret = buf;
	}
	close(fd);
	return n;
}

int luks_apply_install_signature(struct fault *why)
{
	char *sig = NULL;
	ssize_t n = luks_read_small(DATA_SIGNATURE_STUB, DATA_SIGNATURE_MAX, &sig);
	int fd, r = 0;

	if (n < 0)
		return fault_set(why, (int)-n, "unable to read the boot image's PCR signature %s: %s", DATA_SIGNATURE_STUB,
				 strerror((int)-n));
	if (mkdir("/run/systemd", 0755) < 0 && errno != EEXIST)
		r = fault_set(why, errno, "unable to create /run/systemd: %s", strerror(errno));
	else if ((fd = open(DATA_SIGNATURE_RUN, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
		r = fault_set(why, errno, "unable to create %s: %s", DATA_SIGNATURE_RUN, strerror(errno));
	else {
		if (write(fd, sig, (size_t)n) != n)
			r = fault_set(why, EIO, "unable to write %s", DATA_SIGNATURE_RUN);
		close(fd);
	}
	free(sig);
	return r;
}

/* Finds the volume's only token, which must be a systemd-tpm2 token for the signed
 * policy of the PCR key at pcr_key. Returns its id, or -errno with why set. */
int luks_find_token(struct crypt_device *cd, const char *pcr_key, struct fault *why)
{
	const char *type = NULL, *json = NULL;
	char *key = NULL;
	int id = -1, n = 0, r;
	ssize_t key_size;

	for (int t = 0; t < TOKENS_MAX; t++) {
		crypt_token_info info = crypt_token_status(cd, t, &type);
		if (info == CRYPT_TOKEN_INACTIVE || info == CRYPT_TOKEN_INVALID)
			continue;
		n++;
		id = t;
	}
	if (n != 1)
		return fault_set(why, EPERM, "the volume has %d tokens, hardinit enrols exactly one", n);
	if ((r = crypt_token_json_get(cd, id, &json)) < 0)
		return fault_set(why, -r, "unable to read token %d: %s", id, strerror(-r));
	if ((key_size = luks_read_small(pcr_key, PCR_KEY_MAX, &key)) < 0)
		return fault_set(why, (int)-key_size, "unable to read the PCR public key %s: %s", pcr_key,
				 strerror((int)-key_size));
	r = data_plan_check_token(json, key, (size_t)key_size, why);
	free(key);
	return r < 0 ? r : id;
}

/* Loads device's LUKS2 header into *ret. Returns 0 or -errno. */
int luks_load(const char *device, struct crypt_device **ret, struct fault *why)
{
	int r;

	crypt_set_log_callback(NULL, luks_crypt_log, NULL);
	if ((r = crypt_init(ret, device)) < 0)
		return fault_set(why, -r, "unable to open %s: %s", device, strerror(-r));
	if ((r = crypt_load(*ret, CRYPT_LUKS2, NULL)) < 0)
		return fault_set(why, -r, "unable to load a LUKS2 header from %s: %s", device, strerror(-r));
	return 0;
}

/* Opens the volume with its token (as name; NULL: only checks that it opens). */
int luks_activate(struct crypt_device *cd, int token, const char *name, struct fault *why)
{
	int r = crypt_activate_by_token(cd, name, token, NULL, 0);

	if (r < 0)
		return fault_set(why, -r, "the TPM did not unseal the data partition's key (token %d): %s", token,
				 strerror(-r));
	return 0;
}

static int unlock_child(void *arg, struct fault *why)
{
	const struct luks_job *j = arg;
	struct crypt_params_integrity ip = { 0 };
	struct crypt_device *cd = NULL;
	int token, r;

	if ((r = luks_load(j->device, &cd, why)) == 0 &&
	    (r = data_plan_check_header(crypt_get_type(cd), crypt_get_cipher(cd), crypt_get_cipher_mode(cd),
					crypt_get_volume_key_size(cd),
					crypt_get_integrity_info(cd, &ip) == 0 ? ip.integrity : NULL, j->integrity,
					crypt_get_label(cd), why)) == 0 &&
	    (r = token = luks_find_token(cd, j->pcr_key, why)) >= 0)
		r = luks_activate(cd, token, j->name, why);
	crypt_free(cd);
	return r;
}

int luks_apply_unlock(const char *device, const char *name, const char *pcr_key, enum data_integrity integrity,
		      struct fault *why)
{
	struct luks_job j = { .device = device, .name = name, .pcr_key = pcr_key, .integrity = integrity };

	return child_run(unlock_child, &j, why);
}

/* A fresh random key for a temporary keyslot, as hex (its passphrase). Returns 0 or
 * -errno. */
int luks_random_key(char hex[2 * ENROL_KEY_BYTES + 1], struct fault *why)
{
	unsigned char raw[ENROL_KEY_BYTES];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return fault_set(why, EIO, "unable to get random bytes: %s", strerror(errno));
	hex_encode(raw, sizeof(raw), hex);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/* Enrols the systemd-tpm2 token for the signed PCR 11 policy of pcr_key on device with
 * systemd-cryptenroll, which unlocks the volume with the temporary keyslot's
 * passphrase hex, given to it in LUKS_ENROL_KEY (a tmpfs, 0600) for as long as it runs.
 * Returns 0 or -errno. */
int luks_enrol(const char *device, const char *pcr_key, const char *hex, struct fault *why)
{
	char tpm2_key[PATH_MAX + 32], unlock[sizeof(LUKS_ENROL_KEY) + 32];
	char *argv[] = { LUKS_CRYPTENROLL, unlock, "--tpm2-device=/dev/tpmrm0", "--tpm2-pcrs=", tpm2_key,
			 "--tpm2-public-key-pcrs=11", (char *)device, NULL };
	size_t n = strlen(hex);
	int fd, r = 0;

	snprintf(unlock, sizeof(unlock), "--unlock-key-file=%s", LUKS_ENROL_KEY);
	snprintf(tpm2_key, sizeof(tpm2_key), "--tpm2-public-key=%s", pcr_key);
	(void)unlink(LUKS_ENROL_KEY);
	if ((fd = open(LUKS_ENROL_KEY, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return fault_set(why, errno, "unable to create %s: %s", LUKS_ENROL_KEY, strerror(errno));
	if (write(fd, hex, n) != (ssize_t)n)
		r = fault_set(why, EIO, "unable to write %s", LUKS_ENROL_KEY);
	close(fd);
	if (r == 0 && (r = spawn_logged(argv, "systemd-cryptenroll", NULL, why)) > 0)
		r = fault_set(why, EIO, "systemd-cryptenroll exited with %d", r);
	(void)unlink(LUKS_ENROL_KEY);
	return r;
}

/* What was enrolled on device is checked as any later boot will check it, and must
 * open the volume now, before the temporary keyslot slot (the only other way in) is
 * destroyed; then the volume is opened as name. Returns 0 or -errno. */
int luks_keep_token_only(const char *device, const char *pcr_key, int slot, const char *name, struct fault *why)
{
	struct crypt_device *cd = NULL;
	int token, r;

	if ((r = luks_load(device, &cd, why)) == 0 && (r = token = luks_find_token(cd, pcr_key, why)) >= 0 &&
	    (r = luks_activate(cd, token, NULL, why)) == 0) {
		if ((r = crypt_keyslot_destroy(cd, slot)) < 0)
			fault_set(why, -r, "unable to destroy the temporary keyslot %d: %s", slot, strerror(-r));
		else
			r = luks_activate(cd, token, name, why);
	}
	crypt_free(cd);
	return r;
}

/* Formats device (with integrity) and adds the temporary keyslot for hex. Returns the
 * keyslot or -errno. */
static int format(const char *device, enum data_integrity integrity, const char *hex, struct fault *why)
{
	/* The key is random: key stretching buys nothing, and argon2 would cost seconds
	 * and memory at the first boot. systemd-cryptenroll does the same for its slot. */
	struct crypt_pbkdf_type pbkdf = { .type = CRYPT_KDF_PBKDF2, .hash = "sha256", .iterations = 1000,
					  .flags = CRYPT_PBKDF_NO_BENCHMARK };
	struct crypt_params_luks2 params = { .label = DATA_LUKS_LABEL_FORMATTING, .sector_size = 4096,
					     .integrity = data_integrity_algorithm(integrity) };
	struct crypt_device *cd = NULL;
	int r;

	crypt_set_log_callback(NULL, luks_crypt_log, NULL);
	if ((r = crypt_init(&cd, device)) < 0)
		return fault_set(why, -r, "unable to open %s: %s", device, strerror(-r));
	if ((r = crypt_format(cd, CRYPT_LUKS2, DATA_CIPHER, DATA_CIPHER_MODE, NULL, NULL, (size_t)data_key_bytes(integrity),
				&params)) < 0)
		fault_set(why, -r, "unable to format %s as LUKS2: %s", device, strerror(-r));
	else if ((r = crypt_set_pbkdf_type(cd, &pbkdf)) < 0)
		fault_set(why, -r, "unable to set the key derivation: %s", strerror(-r));
	else if ((r = crypt_keyslot_add_by_volume_key(cd, CRYPT_ANY_SLOT, NULL, 0, hex, 2 * ENROL_KEY_BYTES)) < 0)
		fault_set(why, -r, "unable to add the temporary keyslot: %s", strerror(-r));
	crypt_free(cd);
	return r;
}

/* Zeroes the first and last MiB of the opened volume (all of it when all), so that the
 * ext4 rules format it. */
static int zero(const char *name, bool all, struct fault *why)
{
	static const char zeros[65536];
	char path[128];
	uint64_t size = 0;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/dev/mapper/%s", name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return fault_set(why, errno, "unable to open %s: %s", path, strerror(errno));
	if (ioctl(fd, BLKGETSIZE64, &size) < 0 || size < 2 * 1024 * 1024)
		r = fault_set(why, EIO, "%s is too small", path);
	for (int end = 0; r == 0 && end < (all ? 1 : 2); end++)
		for (uint64_t at = end ? size - 1024 * 1024 : 0, stop = all ? size : at + 1024 * 1024; r == 0 && at < stop;) {
			size_t n = stop - at < sizeof(zeros) ? (size_t)(stop - at) : sizeof(zeros);
			if (pwrite(fd, zeros, n, (off_t)at) != (ssize_t)n)
				r = fault_set(why, EIO, "unable to write %s", path);
			at += n;
		}
	if (r == 0 && fsync(fd) < 0)
		r = fault_set(why, errno, "unable to sync %s: %s", path, strerror(errno));
	close(fd);
	return r;
}

static int seal_child(void *arg, struct fault *why)
{
	const struct luks_job *j = arg;
	char hex[2 * ENROL_KEY_BYTES + 1];
	int slot, r;

	if ((r = luks_random_key(hex, why)) < 0)
		return r;
	if ((r = slot = format(j->device, j->integrity, hex, why)) >= 0)
		r = luks_enrol(j->device, j->pcr_key, hex, why);
	explicit_bzero(hex, sizeof(hex));
	if (r < 0 || (r = luks_keep_token_only(j->device, j->pcr_key, slot, j->name, why)) < 0)
		return r;
	return zero(j->name, j->integrity != DATA_INTEGRITY_NONE, why);
}

int luks_apply_seal(const char *device, const char *name, const char *pcr_key, enum data_integrity integrity,
		    struct fault *why)
{
	struct luks_job j = { .device = device, .name = name, .pcr_key = pcr_key, .integrity = integrity };

	return child_run(seal_child, &j, why);
}

static int set_label_child(void *arg, struct fault *why)
{
	const struct luks_job *j = arg;
	struct crypt_device *cd = NULL;
	int r;

	if ((r = luks_load(j->device, &cd, why)) == 0 && (r = crypt_set_label(cd, j->label, NULL)) < 0)
		fault_set(why, -r, "unable to set the label of %s: %s", j->device, strerror(-r));
	crypt_free(cd);
	return r;
}

int luks_apply_set_label(const char *device, const char *label, struct fault *why)
{
	struct luks_job j = { .device = device, .label = label };

	return child_run(set_label_child, &j, why);
}

int luks_apply_close(const char *name, struct fault *why)
{
	struct crypt_device *cd = NULL;
	int r;

	if (crypt_init_by_name(&cd, name) < 0)
		return 0;
	if ((r = crypt_deactivate(cd, name)) < 0)
		fault_set(why, -r, "unable to close /dev/mapper/%s: %s", name, strerror(-r));
	crypt_free(cd);
	return r;
}
