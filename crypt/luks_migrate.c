/* The migration of a plaintext data partition to the sealed LUKS2 volume, applied:
 * libcryptsetup's LUKS2 reencryption (encryption in place with a data shift), then the
 * TPM token as at a first boot. In a child process (common/child.h), like every call
 * that reads the header. What to do next is migrate_plan.c's decision.
 * docs/data-protection.md, "Migration". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libcryptsetup.h>

#include "common/child.h"
#include "common/log.h"
#include "crypt/data_plan.h"
#include "crypt/luks_apply.h"
#include "crypt/luks_parts.h"
#include "crypt/migrate_plan.h"

#define PROGRESS_MS 3000              /* a console line at most this often */
#define SECTOR_SHIFT 9                /* libcryptsetup counts offsets in 512-byte sectors */
#define STEPS_MAX 8                   /* recover, reencrypt, enrol, drop, done: never more */

/* The temporary keyslot's key, for the PBKDF: random, so stretching buys nothing. */
static const struct crypt_pbkdf_type pbkdf_minimal = { .type = CRYPT_KDF_PBKDF2, .hash = "sha256", .iterations = 1000,
						       .flags = CRYPT_PBKDF_NO_BENCHMARK };

struct progress {
	struct timespec last;
	bool printed;
};

static long long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000LL + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* crypt_reencrypt_run's callback: a console line after the first step, then at most
 * every PROGRESS_MS, and at the end. Returns 0: go on. */
static int progress(uint64_t size, uint64_t offset, void *usrptr)
{
	struct progress *p = usrptr;

	if (!offset || (p->printed && offset < size && elapsed_ms(&p->last) < PROGRESS_MS))
		return 0;
	log_notice("migrating the data partition: %llu of %llu MiB encrypted (%llu%%)",
		   (unsigned long long)(offset >> 20), (unsigned long long)(size >> 20),
		   size ? (unsigned long long)(offset * 100 / size) : 100ULL);
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	p->printed = true;
	return 0;
}

/* Makes the new header in LUKS_MIGRATE_HEADER (the partition is its data device),
 * initialises the encryption there (which copies the filesystem's first MIGRATE_HEADER
 * bytes to the partition's free end), then writes it at the partition's start: the
 * only write over the filesystem before the encryption runs. Returns 0 or -errno. */
static int begin(const struct luks_migration *m, struct fault *why)
{
	const struct crypt_params_luks2 format_params = { .label = DATA_LUKS_LABEL_FORMATTING,
							  .sector_size = (uint32_t)m->sector_size, .data_device = m->device };
	const struct crypt_params_luks2 final_params = { .sector_size = (uint32_t)m->sector_size };
	const struct crypt_params_reencrypt rp = {
		.mode = CRYPT_REENCRYPT_ENCRYPT, .direction = CRYPT_REENCRYPT_BACKWARD, .resilience = "datashift",
		.hash = "sha256", .data_shift = MIGRATE_HEADER >> SECTOR_SHIFT, .luks2 = &final_params,
		.flags = CRYPT_REENCRYPT_INITIALIZE_ONLY | CRYPT_REENCRYPT_MOVE_FIRST_SEGMENT,
	};
	size_t key_len = strlen(m->key_hex);
	struct crypt_device *cd = NULL;
	int fd, slot, r;

	(void)unlink(LUKS_MIGRATE_HEADER);
	if ((fd = open(LUKS_MIGRATE_HEADER, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return fault_set(why, errno, "unable to create %s: %s", LUKS_MIGRATE_HEADER, strerror(errno));
	r = posix_fallocate(fd, 0, 4096);
	close(fd);
	if (r)
		return fault_set(why, r, "unable to size %s: %s", LUKS_MIGRATE_HEADER, strerror(r));
	if ((r = crypt_init(&cd, LUKS_MIGRATE_HEADER)) < 0)
		fault_set(why, -r, "unable to open %s: %s", LUKS_MIGRATE_HEADER, strerror(-r));
	else if ((r = crypt_set_data_offset(cd, MIGRATE_HEADER >> SECTOR_SHIFT)) < 0)
		fault_set(why, -r, "unable to set the data offset: %s", strerror(-r));
	else if ((r = crypt_format(cd, CRYPT_LUKS2, DATA_CIPHER, DATA_CIPHER_MODE, NULL, NULL, DATA_KEY_BYTES,
				   (void *)&format_params)) < 0)
		fault_set(why, -r, "unable to make the LUKS2 header for %s: %s", m->device, strerror(-r));
	else if ((r = crypt_set_pbkdf_type(cd, &pbkdf_minimal)) < 0)
		fault_set(why, -r, "unable to set the key derivation: %s", strerror(-r));
	else if ((r = slot = crypt_keyslot_add_by_volume_key(cd, CRYPT_ANY_SLOT, NULL, 0, m->key_hex, key_len)) < 0)
		fault_set(why, -r, "unable to add the temporary keyslot: %s", strerror(-r));
	else if ((r = crypt_reencrypt_init_by_passphrase(cd, NULL, m->key_hex, key_len, CRYPT_ANY_SLOT, slot, DATA_CIPHER,
							 DATA_CIPHER_MODE, &rp)) < 0)
		fault_set(why, -r, "unable to initialise the encryption of %s: %s", m->device, strerror(-r));
	crypt_free(cd);
	cd = NULL;
	if (r >= 0) {
		log_notice("writing the LUKS2 header at the start of %s", m->device);
		if ((r = crypt_init(&cd, m->device)) < 0)
			fault_set(why, -r, "unable to open %s: %s", m->device, strerror(-r));
		else if ((r = crypt_header_restore(cd, CRYPT_LUKS2, LUKS_MIGRATE_HEADER)) < 0)
			fault_set(why, -r, "unable to write the LUKS2 header to %s: %s", m->device, strerror(-r));
		crypt_free(cd);
	}
	(void)unlink(LUKS_MIGRATE_HEADER);
	return r < 0 ? r : 0;
}

static enum migrate_reencrypt reencrypt_state(struct crypt_device *cd)
{
	switch (crypt_reencrypt_status(cd, NULL)) {
	case CRYPT_REENCRYPT_NONE: return MIGRATE_REENCRYPT_NONE;
	case CRYPT_REENCRYPT_CLEAN: return MIGRATE_REENCRYPT_CLEAN;
	case CRYPT_REENCRYPT_CRASH: return MIGRATE_REENCRYPT_CRASH;
	default: return MIGRATE_REENCRYPT_INVALID;
	}
}

/* The number of tokens on the volume. */
static int count_tokens(struct crypt_device *cd)
{
	const char *type;
	int n = 0;

	for (int t = 0; t < TOKENS_MAX; t++) {
		crypt_token_info info = crypt_token_status(cd, t, &type);
		n += info != CRYPT_TOKEN_INACTIVE && info != CRYPT_TOKEN_INVALID;
	}
	return n;
}

/* Destroys every keyslot but keep: what a systemd-cryptenroll cut by a power loss may
 * have added without its token. Returns 0 or -errno. */
static int drop_other_keyslots(struct crypt_device *cd, int keep, struct fault *why)
{
	for (int k = 0; k < KEYSLOTS_MAX; k++) {
		crypt_keyslot_info info = crypt_keyslot_status(cd, k);
		int r;

		if (k == keep || info == CRYPT_SLOT_INACTIVE || info == CRYPT_SLOT_INVALID)
			continue;
		log_notice("destroying keyslot %d, which has no token (an enrolment cut short)", k);
		if ((r = crypt_keyslot_destroy(cd, k)) < 0)
			return fault_set(why, -r, "unable to destroy keyslot %d: %s", k, strerror(-r));
	}
	return 0;
}

/* Resumes the encryption with the marker's key (RESUME_ONLY: the parameters are the
 * header's) and runs it to the end. Returns 0 or -errno. */
static int reencrypt(struct crypt_device *cd, const struct luks_migration *m, struct fault *why)
{
	struct crypt_params_reencrypt rp = { 0 };
	struct progress p = { .printed = false };
	int r;

	/* As cryptsetup's own resume: the header's mode and direction, the rest left to the
	 * header (a resilience given here would be a request to change it). */
	(void)crypt_reencrypt_status(cd, &rp);
	rp.resilience = NULL;
	rp.hash = NULL;
	rp.max_hotzone_size = 0;
	rp.device_size = 0;
	rp.flags = CRYPT_REENCRYPT_RESUME_ONLY;
	if ((r = crypt_reencrypt_init_by_passphrase(cd, NULL, m->key_hex, strlen(m->key_hex), CRYPT_ANY_SLOT,
						    CRYPT_ANY_SLOT, NULL, NULL, &rp)) < 0)
		return fault_set(why, -r, "unable to resume the encryption of %s with the data marker's key: %s", m->device,
				 strerror(-r));
	log_notice("migrating the data partition %s: encrypting in place", m->device);
	if ((r = crypt_reencrypt_run(cd, progress, &p)) < 0)
		return fault_set(why, -r, "the encryption of %s stopped: %s", m->device, strerror(-r));
	return 0;
}

/* Does one step. Returns 1: done, 0: take the next step, or -errno. */
static int step(const struct luks_migration *m, struct fault *why)
{
	struct crypt_params_reencrypt recovery = { .flags = CRYPT_REENCRYPT_RECOVERY };
	struct crypt_device *cd = NULL;
	enum migrate_reencrypt state;
	enum migrate_step next;
	int temp = -1, tokens = 0, token = -1, r;
	bool token_ok = false;
	struct fault ignored = { "" };

	if ((r = luks_load(m->device, &cd, why)) < 0)
		goto out;
	if ((state = reencrypt_state(cd)) == MIGRATE_REENCRYPT_NONE) {
		temp = crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, m->key_hex, strlen(m->key_hex), 0);
		tokens = count_tokens(cd);
		token_ok = tokens == 1 && (token = luks_find_token(cd, m->pcr_key, &ignored)) >= 0 &&
			   luks_activate(cd, token, NULL, &ignored) == 0;
	}
	next = migrate_plan_step(state, temp >= 0, tokens, token_ok, why);
	log_info("migration of %s: %s", m->device, migrate_step_name(next));
	switch (next) {
	case MIGRATE_STEP_RECOVER:
		log_notice("recovering the encryption of %s after a power cut", m->device);
		if ((r = crypt_reencrypt_init_by_passphrase(cd, NULL, m->key_hex, strlen(m->key_hex), CRYPT_ANY_SLOT,
							    CRYPT_ANY_SLOT, NULL, NULL, &recovery)) < 0)
			fault_set(why, -r, "unable to recover the encryption of %s: %s", m->device, strerror(-r));
		break;
	case MIGRATE_STEP_REENCRYPT:
		r = reencrypt(cd, m, why);
		break;
	case MIGRATE_STEP_ENROL:
		log_notice("the data partition %s is encrypted: enrolling its TPM token", m->device);
		if ((r = drop_other_keyslots(cd, temp, why)) == 0) {
			crypt_free(cd);
			cd = NULL;
			r = luks_enrol(m->device, m->pcr_key, m->key_hex, why);
		}
		break;
	case MIGRATE_STEP_DROP_TEMP:
		crypt_free(cd);
		cd = NULL;
		r = luks_keep_token_only(m->device, m->pcr_key, temp, m->name, why);
		r = r < 0 ? r : 1;
		break;
	case MIGRATE_STEP_DONE:
		r = luks_activate(cd, token, m->name, why);
		r = r < 0 ? r : 1;
		break;
	case MIGRATE_STEP_REFUSE:
		r = -EPERM;
		break;
	}
out:
	crypt_free(cd);
	return r;
}

static int migrate_child(void *arg, struct fault *why)
{
	const struct luks_migration *m = arg;
	int r = 0;

	crypt_set_log_callback(NULL, luks_crypt_log, NULL);
	if (mkdir(LUKS_LOCK_DIR, 0700) < 0 && errno != EEXIST)
		return fault_set(why, errno, "unable to create %s: %s", LUKS_LOCK_DIR, strerror(errno));
	if (m->begin && (r = begin(m, why)) < 0)
		return r;
	for (int i = 0; i < STEPS_MAX && r == 0; i++)
		r = step(m, why);
	if (r == 0)
		return fault_set(why, ELOOP, "the migration of %s did not end in %d steps", m->device, STEPS_MAX);
	return r < 0 ? r : 0;
}

int luks_apply_migrate(const struct luks_migration *m, struct fault *why)
{
	return child_run(migrate_child, (void *)m, why);
}
