#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "verity/footer.h"
#include "verity/footer_sig.h"

#define GOOD_TEXT                                                                         \
	"format=1\nversion=7\nfstype=erofs\ndata_size=1986560\nhash_offset=1986560\n"      \
	"hash_algorithm=sha256\ndata_block_size=4096\nhash_block_size=4096\n"              \
	"salt=99b29b85d07fa0b939bb0e50ab9b998fee3926fad6b78f83b60d0319471b1353\n"          \
	"root_hash=65fecd23807f4e8578c7721ba4bac3d463482fc74d894da5cb4c24c1df0e1cca\n"

#define BOOT_SHA_62 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8"
#define BOOT_SHA BOOT_SHA_62 "55"
/* GOOD_TEXT's data (485 blocks) needs 4 + 1 hash blocks after the superblock block. */
#define BUNDLE_KEYS "slot=b\nbody_size=2011136\nboot_size=49152\nboot_sha256=" BOOT_SHA "\n"

static unsigned char block[FOOTER_SIZE];
static struct slot_footer ft;
static struct fault f;

/* Puts text into a zero-padded footer block. */
static void make_block(const char *text)
{
	memset(block, 0, sizeof(block));
	memcpy(block, text, strlen(text));
}

/* Signs the text in the block with key and appends the signature line. */
static void sign_block(EVP_PKEY *key)
{
	unsigned char sig[64];
	size_t sig_len = sizeof(sig), len = strlen((char *)block);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *p;

	cr_assert_eq(EVP_DigestSignInit(ctx, NULL, NULL, NULL, key), 1);
	cr_assert_eq(EVP_DigestSign(ctx, sig, &sig_len, block, len), 1);
	EVP_MD_CTX_free(ctx);
	p = (char *)block + len;
	p += sprintf(p, "signature=");
	for (size_t i = 0; i < sig_len; i++)
		p += sprintf(p, "%02x", sig[i]);
	strcpy(p, "\n");
}

/* Adds key's public half to keys, through PEM as the boot does. */
static void trust_key(struct footer_keys *keys, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long len;

	cr_assert_eq(PEM_write_bio_PUBKEY(bio, key), 1);
	len = BIO_get_mem_data(bio, &pem);
	cr_assert_eq(footer_keys_add_pem(keys, "test.pem", pem, (size_t)len, &f), 0, "%s", f.text);
	BIO_free(bio);
}

/* A good footer parses into its values. */
Test(footer, parses_good_footer)
{
	make_block(GOOD_TEXT);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	cr_assert_eq(ft.format, 1);
	cr_assert_eq(ft.version, 7);
	cr_assert_str_eq(ft.fstype, "erofs");
	cr_assert_eq(ft.data_size, 1986560);
	cr_assert_eq(ft.hash_offset, 1986560);
	cr_assert_eq(ft.salt_size, 32);
	cr_assert_eq(ft.root_hash_size, 32);
	cr_assert_eq(ft.root_hash[0], 0x65);
	cr_assert_not(ft.has_signature);
}

/* A signature by a trusted key verifies; the signed range is the text before it. */
Test(footer, signature_verifies)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct footer_keys keys = { .n = 0 };
	size_t which = 99;

	make_block(GOOD_TEXT);
	sign_block(key);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	cr_assert(ft.has_signature);
	cr_assert_eq(ft.signed_size, strlen(GOOD_TEXT));
	trust_key(&keys, key);
	cr_assert_eq(footer_verify_signature(&ft, block, &keys, &which, &f), 0, "%s", f.text);
	cr_assert_eq(which, 0);
	footer_keys_free(&keys);
	EVP_PKEY_free(key);
}

/* A changed byte in the signed text, or a key not trusted, fails the check. */
Test(footer, bad_signature_or_wrong_key_rejected)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct footer_keys keys = { .n = 0 };
	size_t which;

	make_block(GOOD_TEXT);
	sign_block(key);
	trust_key(&keys, other);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0);
	cr_assert_eq(footer_verify_signature(&ft, block, &keys, &which, &f), -EKEYREJECTED);

	footer_keys_free(&keys);
	trust_key(&keys, key);
	block[strlen("format=1\nversion=")] = '8';   /* version 7 → 8 */
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0);
	cr_assert_eq(footer_verify_signature(&ft, block, &keys, &which, &f), -EKEYREJECTED);
	footer_keys_free(&keys);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

/* Hex is lowercase: an upper-case letter in the signature (which the signature does not
 * cover, and which would decode to the same bytes) or in a signed value is refused. */
Test(footer, uppercase_hex_refused)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct footer_keys keys = { .n = 0 };
	char *sig, *letter;
	size_t which;

	make_block(GOOD_TEXT);
	sign_block(key);
	trust_key(&keys, key);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	cr_assert_eq(footer_verify_signature(&ft, block, &keys, &which, &f), 0);
	sig = strstr((char *)block, "signature=") + strlen("signature=");
	letter = sig + strcspn(sig, "abcdef");
	cr_assert(*letter != '\n', "no letter in the signature");
	*letter ^= 0x20;
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), -EBADMSG);
	cr_assert(strstr(f.text, "signature is not lowercase hex"), "%s", f.text);

	make_block(GOOD_TEXT);
	memcpy(strstr((char *)block, "root_hash=65fecd"), "root_hash=65FECD", 16);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), -EBADMSG);
	cr_assert(strstr(f.text, "root_hash is not lowercase hex"), "%s", f.text);
	make_block(GOOD_TEXT);
	memcpy(strstr((char *)block, "salt=99b29b85d"), "salt=99B29B85D", 14);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), -EBADMSG);
	cr_assert(strstr(f.text, "salt is not lowercase hex"), "%s", f.text);
	footer_keys_free(&keys);
	EVP_PKEY_free(key);
}

/* Unsigned footers and empty key sets are told apart. */
Test(footer, unsigned_or_no_keys)
{
	struct footer_keys keys = { .n = 0 };
	size_t which;

	make_block(GOOD_TEXT);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0);
	cr_assert_eq(footer_verify_signature(&ft, block, &keys, &which, &f), -ENODATA);
	ft.has_signature = true;
	cr_assert_eq(footer_verify_signature(&ft, block, &keys, &which, &f), -ENOKEY);
}

/* A key file that is not Ed25519 is refused. */
Test(footer, non_ed25519_key_refused)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct footer_keys keys = { .n = 0 };
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long len;

	PEM_write_bio_PUBKEY(bio, rsa);
	len = BIO_get_mem_data(bio, &pem);
	cr_assert_eq(footer_keys_add_pem(&keys, "ec.pem", pem, (size_t)len, &f), -EINVAL);
	cr_assert(strstr(f.text, "not an Ed25519 key"));
	cr_assert_eq(footer_keys_add_pem(&keys, "junk.pem", "junk", 4, &f), -EINVAL);
	BIO_free(bio);
	EVP_PKEY_free(rsa);
}

/* Strings inline: Criterion re-executes the binary, so pointers would not survive. */
struct bad_footer {
	char text[1024];
	int err;
	char reason[96];
};

ParameterizedTestParameters(footer, malformed)
{
	static struct bad_footer cases[] = {
		{ "format=2\n", -EPROTONOSUPPORT, "format 2 is not supported" },
		{ "version=1\nformat=1\n", -EBADMSG, "line 1 is not format=" },
		{ GOOD_TEXT "color=blue\n", -EBADMSG, "unknown key 'color'" },
		{ GOOD_TEXT "version=8\n", -EBADMSG, "version is given twice" },
		{ "format=1\nversion=7\nfstype=erofs\ndata_size=1986560\n", -EBADMSG, "hash_offset is missing" },
		{ "format=1\nversion=7\nfstype=er", -EBADMSG, "not terminated" },
		{ "format=1\nversion=-1\n", -EBADMSG, "version '-1' is not a decimal number" },
		{ "format=1\nversion=99999999999999999999\n", -EBADMSG, "not a decimal number" },
		{ "format=1\nfstype=vfat\n", -EBADMSG, "fstype 'vfat'" },
		{ "format=1\nhash_algorithm=md5\n", -EBADMSG, "hash_algorithm 'md5'" },
		{ "format=1\ndata_block_size=1000\n", -EBADMSG, "data_block_size 1000 is not a power of two" },
		{ "format=1\nsalt=zz\n", -EBADMSG, "salt is not hex" },
		{ "format=1\nsignature=00\n", -EBADMSG, "signature is not 64 bytes" },
		{ "format=1\nno equals sign\n", -EBADMSG, "has no '='" },
		{ GOOD_TEXT "slot=c\n", -EBADMSG, "slot 'c' is not a or b" },
		{ GOOD_TEXT "slot=a\nslot=b\n", -EBADMSG, "slot is given twice" },
		{ GOOD_TEXT "body_size=2011136\nbody_size=2011136\n", -EBADMSG, "body_size is given twice" },
		{ GOOD_TEXT "body_size=2011137\n", -EBADMSG, "body_size 2011137 is not a non-zero multiple of 4096" },
		{ GOOD_TEXT "body_size=0\n", -EBADMSG, "body_size 0 is not a non-zero multiple" },
		{ GOOD_TEXT "body_size=1099511631872\n", -EBADMSG, "body_size 1099511631872 is not" },
		{ GOOD_TEXT "body_size=2007040\n", -EBADMSG, "body_size 2007040 does not cover hash_offset 1986560" },
		{ GOOD_TEXT "boot_size=4096\n", -EBADMSG, "boot_size without boot_sha256" },
		{ GOOD_TEXT "boot_sha256=" BOOT_SHA "\n", -EBADMSG, "boot_sha256 without boot_size" },
		{ GOOD_TEXT "boot_size=4096\nboot_sha256=" BOOT_SHA "\nboot_size=8192\n", -EBADMSG, "boot_size is given twice" },
		{ GOOD_TEXT "boot_size=1073745920\nboot_sha256=" BOOT_SHA "\n", -EBADMSG, "boot_size 1073745920 is not" },
		{ GOOD_TEXT "boot_size=4096\nboot_sha256=zz" BOOT_SHA_62 "\n", -EBADMSG, "boot_sha256 is not 64 hex digits" },
		{ GOOD_TEXT "boot_size=4096\nboot_sha256=" BOOT_SHA "00\n", -EBADMSG, "boot_sha256 is not 64 hex digits" },
		{ GOOD_TEXT "boot_size=4096\nboot_sha256=" BOOT_SHA_62 "\n", -EBADMSG, "boot_sha256 is not 64 hex digits" },
	};
	return cr_make_param_array(struct bad_footer, cases, sizeof(cases) / sizeof(cases[0]));
}

/* Malformed, unknown, missing, duplicated or truncated footers are refused with a reason. */
ParameterizedTest(struct bad_footer *c, footer, malformed)
{
	make_block(c->text);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), c->err, "%s", f.text);
	cr_assert(strstr(f.text, c->reason), "got '%s', want '%s'", f.text, c->reason);
}

/* The optional bundle keys parse into their values, in any order among the others,
 * and are covered by the signature like every line; without them they read as absent. */
Test(footer, bundle_keys)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct footer_keys keys = { .n = 0 };
	char text[1024];
	size_t which;

	make_block(GOOD_TEXT);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	cr_assert_eq(ft.slot, '\0');
	cr_assert_eq(ft.body_size, 0);
	cr_assert_not(ft.has_boot);

	snprintf(text, sizeof(text), "format=1\n%s%s", BUNDLE_KEYS, GOOD_TEXT + strlen("format=1\n"));
	make_block(text);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	cr_assert_eq(ft.slot, 'b');
	cr_assert_eq(ft.body_size, 2011136);
	cr_assert(ft.has_boot);
	cr_assert_eq(ft.boot_size, 49152);
	cr_assert_eq(ft.boot_sha256[0], 0xe3);
	cr_assert_eq(ft.boot_sha256[31], 0x55);

	/* The smallest body that holds the whole tree. */
	make_block(GOOD_TEXT "body_size=2011136\n");
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);

	make_block(GOOD_TEXT BUNDLE_KEYS);
	sign_block(key);
	trust_key(&keys, key);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	cr_assert_eq(footer_verify_signature(&ft, block, &keys, &which, &f), 0, "%s", f.text);
	/* Another slot or boot image under the same signature does not verify. */
	strstr((char *)block, "slot=b")[5] = 'a';
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	cr_assert_eq(ft.slot, 'a');
	cr_assert_lt(footer_verify_signature(&ft, block, &keys, &which, &f), 0);
	footer_keys_free(&keys);
	EVP_PKEY_free(key);
}

/* A body must fit the partition before its footer. */
Test(footer, body_fits_partition)
{
	make_block(GOOD_TEXT "body_size=4096000\n");
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	cr_assert_eq(footer_check_fits(&ft, 4096000 + 4096, &f), 0);
	cr_assert_eq(footer_check_fits(&ft, 4096000, &f), -EBADMSG);
	cr_assert(strstr(f.text, "the image body (4096000 bytes) and its footer do not fit"), "%s", f.text);
}

/* Values that are each fine but do not fit together are refused. */
Test(footer, inconsistent)
{
	make_block(GOOD_TEXT);
	memcpy(strstr((char *)block, "hash_offset=1986560"), "hash_offset=0000000", 19);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), -EBADMSG);

	make_block(GOOD_TEXT);
	memcpy(strstr((char *)block, "hash_algorithm=sha256"), "hash_algorithm=sha512", 21);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), -EBADMSG);
	cr_assert(strstr(f.text, "root_hash has 32 bytes, sha512 needs 64"), "%s", f.text);
}

/* Anything but NUL after the text (or the signature) is refused. */
Test(footer, trailing_garbage)
{
	make_block(GOOD_TEXT);
	block[FOOTER_SIZE - 1] = 'x';
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), -EBADMSG);
	cr_assert(strstr(f.text, "not NUL padding"));
}

/* The layout must fit inside the partition, before the footer. */
Test(footer, fits_partition)
{
	make_block(GOOD_TEXT);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0);
	cr_assert_eq(footer_check_fits(&ft, 1986560 + 3 * 4096, &f), 0);
	cr_assert_eq(footer_check_fits(&ft, 1986560 + 2 * 4096, &f), -EBADMSG);
	cr_assert_eq(footer_check_fits(&ft, 100, &f), -EBADMSG);
}

/* A footer read back the same compares equal; one that differs is named by its first
 * differing field, and the reason is always set (hardinitctl update prints it). */
Test(footer, compare_read_back)
{
	struct slot_footer back;
	struct fault why;

	make_block(GOOD_TEXT);
	cr_assert_eq(footer_parse(block, sizeof(block), &ft, &f), 0, "%s", f.text);
	back = ft;
	memset(&why, 'X', sizeof(why));
	cr_assert_eq(footer_compare(&ft, &back, &why), 0);

	back.version = 8;
	cr_assert_eq(footer_compare(&ft, &back, &why), -EIO);
	cr_assert_str_eq(why.text, "its version is 8, not 7");

	back = ft;
	back.root_hash[31] ^= 1;
	memset(&why, 'X', sizeof(why));
	why.text[sizeof(why.text) - 1] = '\0';
	cr_assert_eq(footer_compare(&ft, &back, &why), -EIO);
	cr_assert_str_eq(why.text, "its root_hash differs");

	back = ft;
	back.slot = 'a';
	cr_assert_eq(footer_compare(&ft, &back, &why), -EIO);
	cr_assert_str_eq(why.text, "its slot or bundle sizes differ");

	back = ft;
	back.has_signature = true;
	cr_assert_eq(footer_compare(&ft, &back, &why), -EIO);
	cr_assert_str_eq(why.text, "its signature differs");
}

/* Writes key's public half as PEM to dir/name. */
static void write_pub(const char *dir, const char *name, EVP_PKEY *key)
{
	char path[512];
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "w");
	cr_assert_not_null(out);
	cr_assert_eq(PEM_write_PUBKEY(out, key), 1);
	fclose(out);
}

/* A keys directory holding a P-256 public key beside a good Ed25519 one fails to load,
 * naming the file (the boot then stops in every verity mode: test_verity_plan.c);
 * without it the directory loads. */
Test(footer, keys_dir_with_a_p256_key_fails)
{
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct footer_keys keys;
	char dir[] = "/tmp/hardinit-keys-XXXXXX", path[64];

	cr_assert_not_null(mkdtemp(dir));
	write_pub(dir, "good.pem", ed);
	cr_assert_eq(footer_keys_load(dir, &keys, &f), 1, "%s", f.text);
	footer_keys_free(&keys);
	write_pub(dir, "p256.pem", ec);
	cr_assert_eq(footer_keys_load(dir, &keys, &f), -EINVAL);
	cr_assert_str_eq(f.text, "p256.pem is not an Ed25519 key");
	cr_assert_eq(keys.n, 0);
	snprintf(path, sizeof(path), "%s/good.pem", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p256.pem", dir);
	unlink(path);
	rmdir(dir);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ec);
}
