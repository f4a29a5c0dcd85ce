/* Fuzz target: the slot footer (the last 4096 bytes of a slot, or the first of an update
 * bundle, which an attacker with the disk or the update channel writes), its signature
 * check, its layout check and the update decision taken from it.
 * Input: one flags byte, 8 bytes of partition size (little endian), the footer text.
 * Flag 1: the harness signs the text with its own key (generated at start), so that
 * the code after a good signature is reached with fuzzed contents. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "slots/bundle_plan.h"
#include "tests/fuzz/fuzz.h"
#include "verity/footer.h"
#include "verity/footer_sig.h"
#include "verity/verity_plan.h"

#define FLAG_SIGN 0x01
#define FLAG_LOADER 0x02
#define FLAG_ON_TRIAL 0x04    /* the running slot is not marked good */
#define HEADER_LEN 9

static EVP_PKEY *signing_key;
static struct footer_keys keys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long len;
	struct fault f;

	if (!ctx || !bio || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &signing_key) != 1 ||
	    PEM_write_bio_PUBKEY(bio, signing_key) != 1)
		abort();
	len = BIO_get_mem_data(bio, &pem);
	if (footer_keys_add_pem(&keys, "fuzz.pem", pem, (size_t)len, &f) < 0)
		abort();
	BIO_free(bio);
	EVP_PKEY_CTX_free(ctx);
	return 0;
}

/* Appends "signature=<hex>\n" over block[0, len). Returns the new length, or 0. */
static size_t sign_text(unsigned char *block, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char sig[FOOTER_SIGNATURE_SIZE];
	size_t sig_len = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, signing_key) == 1 &&
		 EVP_DigestSign(ctx, sig, &sig_len, block, len) == 1;

	EVP_MD_CTX_free(ctx);
	if (!ok)
		abort();
	memcpy(block + len, "signature=", 10);
	len += 10;
	for (size_t i = 0; i < sig_len; i++) {
		block[len++] = (unsigned char)hex[sig[i] >> 4];
		block[len++] = (unsigned char)hex[sig[i] & 15];
	}
	block[len++] = '\n';
	return len;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The update decision for both kinds of input, with a target sized from the input. */
static void decide(const struct slot_footer *ft, uint64_t partition_size, unsigned flags)
{
	struct bundle_header h = {
		.slot = ft->slot, .body_size = ft->body_size, .has_boot = ft->has_boot, .boot_size = ft->boot_size,
	};
	struct bundle_target t = {
		.slot = partition_size & 1 ? 'b' : 'a',
		.root_size = partition_size,
		.boot_size = partition_size >> 8,
		.chooser = flags & FLAG_LOADER ? CHOOSER_LOADER : CHOOSER_INITRAMFS,
		.running_good = !(flags & FLAG_ON_TRIAL),
	};
	struct bundle_plan plan;
	struct fault f;

	for (int kind = UPDATE_BUNDLE; kind <= UPDATE_SLOT_IMAGE; kind++)
		if (bundle_plan_decide(kind, &h, &t, &plan, &f) == 0 &&
		    (!t.running_good || plan.body_size > t.root_size - BUNDLE_FOOTER_SIZE ||
		     (plan.write_boot && plan.boot_size > t.boot_size)))
			abort(); /* a plan with no fallback slot, or that writes past a partition or over the footer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char block[FOOTER_SIZE] = { 0 };
	struct slot_footer ft, again;
	struct fault f;
	unsigned flags;
	uint64_t partition_size;
	size_t len, key;
	int r;

	if (size < HEADER_LEN)
		return 0;
	flags = data[0];
	partition_size = le64(data + 1);
	data += HEADER_LEN;
	size -= HEADER_LEN;

	/* the text alone, of its exact size: a read past its end is a finding */
	if (footer_parse(data, size, &ft, &f) == 0 && ft.signed_size > size)
		abort();

	len = size < FOOTER_SIZE ? size : FOOTER_SIZE;
	if (flags & FLAG_SIGN) {
		len = size < FOOTER_SIZE - 200 ? size : FOOTER_SIZE - 200;
		memcpy(block, data, len);
		len = sign_text(block, len);
	} else {
		memcpy(block, data, len);
	}
	r = footer_parse(block, FOOTER_SIZE, &ft, &f);
	if (r < 0)
		return 0;
	r = footer_verify_signature(&ft, block, &keys, &key, &f);
	/* the harness's signature over exactly the signed bytes verifies; nothing else can */
	if ((flags & FLAG_SIGN) && ft.has_signature && ft.signed_size == len - 2 * FOOTER_SIGNATURE_SIZE - 11 && r != 0)
		abort();
	if (!(flags & FLAG_SIGN) && r == 0)
		abort();
	/* under verity = required, only a verified signature makes a root trusted */
	enum root_trust trust;
	struct fault tf;
	if (verity_plan_trust(VERITY_REQUIRED, NULL, 0, 1, &f, &ft, r, &f, &trust, &tf) == 0 &&
	    (r != 0 || trust != ROOT_TRUST_SIGNED))
		abort();
	(void)verity_plan_top_block_offset(&ft);
	(void)footer_check_fits(&ft, partition_size, &f);
	if (footer_parse(block, FOOTER_SIZE, &again, &f) != 0 || footer_compare(&ft, &again, &f) != 0)
		abort(); /* parsing is deterministic and compare agrees with itself */
	decide(&ft, partition_size, flags);
	return 0;
}
