#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libcryptsetup.h>
#include <openssl/evp.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/textfile.h"
#include "verity/verity_apply.h"
#include "verity/verity_plan.h"

/* Size of a block device or regular file. Returns 0 or -errno. */
static int fd_size(int fd, uint64_t *ret)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		*ret = (uint64_t)st.st_size;
		return 0;
	}
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, ret) < 0 ? -errno : 0;
	return -ENOTBLK;
}

int verity_apply_read_footer(const char *device, unsigned char block[FOOTER_SIZE],
			     struct slot_footer *ret, uint64_t *ret_size, struct fault *f)
{
	int fd = open(device, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (fd < 0)
		return fault_set(f, errno, "unable to open %s: %s", device, strerror(errno));
	r = fd_size(fd, ret_size);
	if (r == 0 && *ret_size < FOOTER_SIZE)
		r = -ENOSPC;
	if (r == 0)
		r = pread_full(fd, block, FOOTER_SIZE, *ret_size - FOOTER_SIZE);
	close(fd);
	if (r < 0)
		return fault_set(f, r, "unable to read the footer of %s: %s", device, strerror(-r));
	if ((r = footer_parse(block, FOOTER_SIZE, ret, f)) < 0)
		return r;
	return footer_check_fits(ret, *ret_size, f);
}

int verity_apply_check_top_block(const char *device, const struct slot_footer *footer,
				 const unsigned char *root_hash, struct fault *f)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	unsigned char *block = malloc(footer->hash_block_size);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = EVP_get_digestbyname(footer->hash_algorithm);
	int fd = -1;
	int r;

	if (!block || !ctx || !md) {
		r = fault_set(f, ENOMEM, "unable to set up %s", footer->hash_algorithm);
		goto done;
	}
	fd = open(device, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = fault_set(f, errno, "unable to open %s: %s", device, strerror(errno));
		goto done;
	}
	r = pread_full(fd, block, footer->hash_block_size, verity_plan_top_block_offset(footer));
	if (r < 0) {
		r = fault_set(f, r, "unable to read the hash tree of %s: %s", device, strerror(-r));
		goto done;
	}
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, footer->salt, footer->salt_size) != 1 ||
	    EVP_DigestUpdate(ctx, block, footer->hash_block_size) != 1 ||
	    EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1) {
		r = fault_set(f, EIO, "unable to hash the top of the hash tree");
		goto done;
	}
	if (digest_len != footer->root_hash_size || memcmp(digest, root_hash, digest_len) != 0)
		r = fault_set(f, VERITY_ERR_INTEGRITY, "root hash does not match the hash tree of %s", device);
done:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	free(block);
	return r;
}

/* libcryptsetup's messages, into our log. */
static void verity_crypt_log(int level, const char *msg, void *usrptr)
{
	(void)usrptr;
	if (level == CRYPT_LOG_ERROR)
		log_error("libcryptsetup: %s", msg);
	else if (level == CRYPT_LOG_DEBUG || level == CRYPT_LOG_DEBUG_JSON)
		log_debug("libcryptsetup: %s", msg);
	else
		log_info("libcryptsetup: %s", msg);
}

static uint32_t corruption_flag(enum corruption_action a)
{
	switch (a) {
	case CORRUPTION_PANIC: return CRYPT_ACTIVATE_PANIC_ON_CORRUPTION;
	case CORRUPTION_EIO: return 0;
	case CORRUPTION_RESTART:
	default: return CRYPT_ACTIVATE_RESTART_ON_CORRUPTION;
	}
}

/* libcryptsetup set up for device with the footer's geometry (no on-disk superblock
 * read). Returns 0 and *ret, or -errno. */
static int verity_context(const char *device, const struct slot_footer *footer, uint32_t flags,
			  struct crypt_device **ret, struct fault *f)
{
	struct crypt_params_verity params = {
		.hash_name = footer->hash_algorithm,
		.data_device = device,
		.salt = (const char *)footer->salt,
		.salt_size = (uint32_t)footer->salt_size,
		.hash_type = 1,
		.data_block_size = footer->data_block_size,
		.hash_block_size = footer->hash_block_size,
		.data_size = footer->data_size / footer->data_block_size,
		/* Without a header, the tree starts right after veritysetup's superblock. */
		.hash_area_offset = verity_plan_top_block_offset(footer),
		.flags = CRYPT_VERITY_NO_HEADER | flags,
	};
	struct crypt_device *cd = NULL;
	int r;

	crypt_set_log_callback(NULL, verity_crypt_log, NULL);
	if (log_debug_enabled())
		crypt_set_debug_level(CRYPT_DEBUG_ALL);
	if ((r = crypt_init(&cd, device)) < 0)
		return fault_set(f, r, "unable to open %s for dm-verity: %s", device, strerror(-r));
	crypt_set_log_callback(cd, verity_crypt_log, NULL);
	if ((r = crypt_format(cd, CRYPT_VERITY, NULL, NULL, NULL, NULL, 0, &params)) < 0) {
		crypt_free(cd);
		return fault_set(f, r, "unable to set up dm-verity parameters for %s: %s", device, strerror(-r));
	}
	*ret = cd;
	return 0;
}

int verity_apply_verify_all(const char *device, const struct slot_footer *footer, struct fault *f)
{
	struct crypt_device *cd = NULL;
	int r = verity_context(device, footer, CRYPT_VERITY_CHECK_HASH, &cd, f);

	if (r < 0)
		return r;
	/* No name: verify only (what veritysetup verify does). */
	r = crypt_activate_by_volume_key(cd, NULL, (const char *)footer->root_hash, footer->root_hash_size, 0);
	crypt_free(cd);
	return r < 0 ? fault_set(f, VERITY_ERR_INTEGRITY, "%s does not match its root hash: the image is damaged", device) : 0;
}

int verity_apply_open(const char *device, const struct slot_footer *footer,
		      const unsigned char *root_hash, enum corruption_action on_corruption,
		      const char *name, struct fault *f)
{
	struct crypt_device *cd = NULL;
	int r = verity_context(device, footer, 0, &cd, f);

	if (r < 0)
		return r;
	r = crypt_activate_by_volume_key(cd, name, (const char *)root_hash, footer->root_hash_size,
					 CRYPT_ACTIVATE_READONLY | corruption_flag(on_corruption));
	if (r < 0)
		r = fault_set(f, r, "unable to activate dm-verity on %s: %s", device, strerror(-r));
	crypt_free(cd);
	return r;
}

int verity_apply_status(const char *name, bool *ret_verified, struct fault *f)
{
	struct crypt_device *cd = NULL;
	struct crypt_active_device cad;
	int r = crypt_init_by_name(&cd, name);

	if (r < 0)
		return fault_set(f, r, "unable to find dm-verity device %s: %s", name, strerror(-r));
	r = crypt_get_active_device(cd, name, &cad);
	crypt_free(cd);
	if (r < 0)
		return fault_set(f, r, "unable to read the status of %s: %s", name, strerror(-r));
	*ret_verified = !(cad.flags & CRYPT_ACTIVATE_CORRUPTED);
	return 0;
}

/* Reads the first line of a small sysfs file into buf. Returns 0 or -errno. */
static int read_sysfs_line(const char *path, char *buf, size_t size)
{
	int r = textfile_read(path, buf, size);

	if (r == 0)
		buf[strcspn(buf, "\n")] = '\0';
	return r;
}

int verity_apply_find_root(char *name, size_t size, bool *ret_is_verity, struct fault *f)
{
	char path[96], uuid[160];
	struct stat st;
	int r;

	*ret_is_verity = false;
	if (stat("/", &st) < 0)
		return fault_set(f, errno, "unable to stat /: %s", strerror(errno));
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/uuid", major(st.st_dev), minor(st.st_dev));
	r = read_sysfs_line(path, uuid, sizeof(uuid));
	if (r == -ENOENT)
		return 0; /* not a device-mapper device (or not a block device at all) */
	if (r < 0)
		return fault_set(f, -r, "unable to read %s: %s", path, strerror(-r));
	if (!verity_plan_uuid_is_verity(uuid))
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/name", major(st.st_dev), minor(st.st_dev));
	if ((r = read_sysfs_line(path, name, size)) < 0)
		return fault_set(f, -r, "unable to read %s: %s", path, strerror(-r));
	*ret_is_verity = true;
	return 0;
}
