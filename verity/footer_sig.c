#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "verity/footer_sig.h"

int footer_keys_add_pem(struct footer_keys *keys, const char *name, const char *pem, size_t len,
			struct fault *f)
{
	BIO *bio;
	EVP_PKEY *key;

	if (keys->n == FOOTER_KEYS_MAX)
		return fault_set(f, E2BIG, "more than %d keys", FOOTER_KEYS_MAX);
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return fault_set(f, ENOMEM, "out of memory");
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key)
		return fault_set(f, EINVAL, "%s is not a PEM public key", name);
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		return fault_set(f, EINVAL, "%s is not an Ed25519 key", name);
	}
	keys->keys[keys->n] = key;
	snprintf(keys->names[keys->n], sizeof(keys->names[0]), "%s", name);
	keys->n++;
	return 0;
}

static bool has_pem_suffix(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".pem") == 0;
}

int footer_keys_load(const char *dir, struct footer_keys *ret, struct fault *f)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : fault_set(f, errno, "unable to open %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char pem[8192];
		ssize_t n;
		struct stat st;
		int fd;

		if (!has_pem_suffix(e->d_name))
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			r = fault_set(f, fd < 0 ? errno : EINVAL, "%s/%s is not a readable regular file", dir, e->d_name);
			if (fd >= 0)
				close(fd);
			break;
		}
		n = read(fd, pem, sizeof(pem));
		close(fd);
		if (n < 0 || (size_t)n == sizeof(pem)) {
			r = fault_set(f, EINVAL, "unable to read %s/%s", dir, e->d_name);
			break;
		}
		if ((r = footer_keys_add_pem(ret, e->d_name, pem, (size_t)n, f)) < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		footer_keys_free(ret);
		return r;
	}
	return (int)ret->n;
}

void footer_keys_free(struct footer_keys *keys)
{
	for (size_t i = 0; i < keys->n; i++)
		EVP_PKEY_free(keys->keys[i]);
	keys->n = 0;
}

/* Returns true if sig is a valid Ed25519 signature by key over msg. */
static bool ed25519_verify(EVP_PKEY *key, const unsigned char *msg, size_t len,
			   const unsigned char *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = false;

	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1)
		ok = EVP_DigestVerify(ctx, sig, FOOTER_SIGNATURE_SIZE, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

int footer_verify_signature(const struct slot_footer *footer, const unsigned char *block,
			    const struct footer_keys *keys, size_t *ret_key, struct fault *f)
{
	if (!footer->has_signature)
		return fault_set(f, ENODATA, "the slot footer is not signed");
	if (keys->n == 0)
		return fault_set(f, ENOKEY, "no public key in the initramfs to check the footer's signature");
	for (size_t i = 0; i < keys->n; i++) {
		if (ed25519_verify(keys->keys[i], block, footer->signed_size, footer->signature)) {
			*ret_key = i;
			return 0;
		}
	}
	return fault_set(f, EKEYREJECTED, "the slot footer's signature matches none of the %zu trusted keys", keys->n);
}
