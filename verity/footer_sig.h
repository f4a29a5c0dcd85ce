/* Ed25519 signatures over slot footers, checked with OpenSSL's libcrypto. */
#ifndef HARDINIT_FOOTER_SIG_H
#define HARDINIT_FOOTER_SIG_H

#include <stddef.h>

#include "common/fault.h"
#include "verity/footer.h"

#define FOOTER_KEYS_MAX 16

struct footer_keys {
	void *keys[FOOTER_KEYS_MAX];   /* EVP_PKEY *, Ed25519 only */
	char names[FOOTER_KEYS_MAX][64];
	size_t n;
};

/* Loads every *.pem public key in dir (regular files only, no symlinks followed).
 * A file that is not an Ed25519 public key is an error: a key directory is built by
 * the appliance's maker, so a wrong file there is a build mistake worth stopping on.
 * Returns the number of keys (0 if the directory is missing or empty), or -errno. */
int footer_keys_load(const char *dir, struct footer_keys *ret, struct fault *f);

/* Adds one Ed25519 public key given as PEM text. Returns 0 or -EINVAL. */
int footer_keys_add_pem(struct footer_keys *keys, const char *name, const char *pem, size_t len,
			struct fault *f);

void footer_keys_free(struct footer_keys *keys);

/* Checks the footer's signature over block[0, footer->signed_size) against the keys.
 * Returns 0 and sets *ret_key to the index of the key that verified; -ENODATA if the
 * footer is unsigned; -ENOKEY if there are no keys; -EKEYREJECTED if no key verifies. */
int footer_verify_signature(const struct slot_footer *footer, const unsigned char *block,
			    const struct footer_keys *keys, size_t *ret_key, struct fault *f);

#endif
