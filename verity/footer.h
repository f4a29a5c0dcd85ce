/* The slot footer: the last 4096 bytes of a rootfs partition, as Android's AVB footer.
 * It says where the filesystem and its dm-verity hash tree are and what the root hash
 * is, and carries an Ed25519 signature over its own text. docs/slot-format.md. */
#ifndef HARDINIT_FOOTER_H
#define HARDINIT_FOOTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"

#define FOOTER_SIZE 4096
#define FOOTER_FORMAT 1
#define FOOTER_SALT_MAX 256
#define FOOTER_DIGEST_MAX 64
#define FOOTER_SIGNATURE_SIZE 64   /* Ed25519 */
#define FOOTER_BOOT_SHA256_SIZE 32
/* Bounds on the optional sizes (they size writes to partitions): 1 TiB of root body,
 * 1 GiB of boot image. */
#define FOOTER_BODY_MAX (UINT64_C(1) << 40)
#define FOOTER_BOOT_MAX (UINT64_C(1) << 30)

struct slot_footer {
	unsigned format;
	uint64_t version;            /* image version: monotonic, for anti-rollback */
	char fstype[16];             /* erofs | squashfs | ext4 */
	uint64_t data_size;          /* bytes of filesystem, from offset 0 */
	uint64_t hash_offset;        /* bytes: where veritysetup's superblock starts */
	char hash_algorithm[16];     /* sha256 | sha512 */
	unsigned data_block_size;
	unsigned hash_block_size;
	unsigned char salt[FOOTER_SALT_MAX];
	size_t salt_size;
	unsigned char root_hash[FOOTER_DIGEST_MAX];
	size_t root_hash_size;
	/* Optional (update bundles, docs/slot-format.md); each absent is 0 / '\0' / false. */
	char slot;                   /* 'a' or 'b': the slot this image is built for */
	uint64_t body_size;          /* bytes of the image before its footer */
	uint64_t boot_size;          /* bytes of the boot-partition image it goes with */
	bool has_boot;               /* boot_size and boot_sha256 given (both or neither) */
	unsigned char boot_sha256[FOOTER_BOOT_SHA256_SIZE];
	size_t signed_size;          /* the signature covers bytes [0, signed_size) */
	bool has_signature;
	unsigned char signature[FOOTER_SIGNATURE_SIZE];
};

/* Parses a footer block of `size` bytes (normally FOOTER_SIZE).
 * Grammar: `key=value` lines, "\n"-terminated, `format=1` first; then the keys
 * version, fstype, data_size, hash_offset, hash_algorithm, data_block_size,
 * hash_block_size, salt, root_hash, each exactly once in any order, and the optional
 * slot, body_size, boot_size, boot_sha256, each at most once (boot_size and
 * boot_sha256 both or neither); then optionally `signature=<128 hex>` over every byte
 * before that line; then only NUL bytes.
 * Returns 0; -EPROTONOSUPPORT for another format version; -EBADMSG for anything
 * malformed, unknown, missing, duplicated or inconsistent (f names the key and line). */
int footer_parse(const unsigned char *block, size_t size, struct slot_footer *ret, struct fault *f);

/* Checks that the footer's layout fits a partition of `partition_size` bytes: the
 * data, the hash area, the body (body_size, when given) and the footer do not overlap
 * and stay inside. Returns 0 or -EBADMSG. */
int footer_check_fits(const struct slot_footer *footer, uint64_t partition_size, struct fault *f);

/* Compares a footer read back from a partition with the one that was written.
 * Returns 0 if they are the same; -EIO otherwise, f naming the first field that
 * differs. */
int footer_compare(const struct slot_footer *written, const struct slot_footer *read_back, struct fault *f);

#endif
