#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/decimal.h"
#include "verity/footer.h"

enum footer_key {
	KEY_FORMAT, KEY_VERSION, KEY_FSTYPE, KEY_DATA_SIZE, KEY_HASH_OFFSET, KEY_HASH_ALGORITHM,
	KEY_DATA_BLOCK_SIZE, KEY_HASH_BLOCK_SIZE, KEY_SALT, KEY_ROOT_HASH,
	KEY_SLOT, KEY_BODY_SIZE, KEY_BOOT_SIZE, KEY_BOOT_SHA256, /* optional */
	KEY_SIGNATURE,
	FOOTER_KEY_COUNT
};
#define FOOTER_REQUIRED_KEYS KEY_SLOT /* the keys before it must all be there */

static const char *const key_names[FOOTER_KEY_COUNT] = {
	"format", "version", "fstype", "data_size", "hash_offset", "hash_algorithm",
	"data_block_size", "hash_block_size", "salt", "root_hash",
	"slot", "body_size", "boot_size", "boot_sha256",
	"signature",
};

static bool is_block_size(uint64_t v)
{
	return v >= 512 && v <= 4096 && (v & (v - 1)) == 0;
}

static size_t digest_size(const char *algorithm)
{
	if (strcmp(algorithm, "sha256") == 0)
		return 32;
	if (strcmp(algorithm, "sha512") == 0)
		return 64;
	return 0;
}

/* Is value hex with an upper-case digit? Footer hex is lowercase (what veritysetup and
 * tools/signslot write), so that one footer has one spelling: the signature line is not
 * covered by the signature, and "AB" there would otherwise be accepted as "ab". */
static bool is_upper_hex(const char *value)
{
	return value[strspn(value, "0123456789abcdefABCDEF")] == '\0' &&
	       value[strspn(value, "0123456789abcdef")] != '\0';
}

/* Stores one value. Returns 0 or -EBADMSG (f says why). */
static int footer_set(struct slot_footer *ft, enum footer_key key, const char *value, int line,
		      struct fault *f)
{
	uint64_t v = 0;
	int n;

	if ((key == KEY_SALT || key == KEY_ROOT_HASH || key == KEY_BOOT_SHA256 || key == KEY_SIGNATURE) &&
	    is_upper_hex(value))
		return fault_set(f, EBADMSG, "line %d: %s is not lowercase hex", line, key_names[key]);
	switch (key) {
	case KEY_FSTYPE:
		if (strcmp(value, "erofs") && strcmp(value, "squashfs") && strcmp(value, "ext4"))
			return fault_set(f, EBADMSG, "line %d: fstype '%.16s' is not erofs, squashfs or ext4", line, value);
		strcpy(ft->fstype, value);
		return 0;
	case KEY_HASH_ALGORITHM:
		if (!digest_size(value))
			return fault_set(f, EBADMSG, "line %d: hash_algorithm '%.16s' is not sha256 or sha512", line, value);
		strcpy(ft->hash_algorithm, value);
		return 0;
	case KEY_SALT:
		if (strcmp(value, "-") == 0) {
			ft->salt_size = 0;
			return 0;
		}
		if ((n = hex_decode(value, ft->salt, sizeof(ft->salt))) < 0)
			return fault_set(f, EBADMSG, "line %d: salt is not hex of at most %d bytes", line, FOOTER_SALT_MAX);
		ft->salt_size = n;
		return 0;
	case KEY_ROOT_HASH:
		if ((n = hex_decode(value, ft->root_hash, sizeof(ft->root_hash))) < 0)
			return fault_set(f, EBADMSG, "line %d: root_hash is not hex", line);
		ft->root_hash_size = n;
		return 0;
	case KEY_SLOT:
		if (strcmp(value, "a") && strcmp(value, "b"))
			return fault_set(f, EBADMSG, "line %d: slot '%.16s' is not a or b", line, value);
		ft->slot = value[0];
		return 0;
	case KEY_BOOT_SHA256:
		if (strlen(value) != 2 * FOOTER_BOOT_SHA256_SIZE ||
		    hex_decode(value, ft->boot_sha256, sizeof(ft->boot_sha256)) != FOOTER_BOOT_SHA256_SIZE)
			return fault_set(f, EBADMSG, "line %d: boot_sha256 is not %d hex digits", line,
					 2 * FOOTER_BOOT_SHA256_SIZE);
		return 0;
	case KEY_SIGNATURE:
		if (hex_decode(value, ft->signature, sizeof(ft->signature)) != FOOTER_SIGNATURE_SIZE)
			return fault_set(f, EBADMSG, "line %d: signature is not %d bytes of hex", line, FOOTER_SIGNATURE_SIZE);
		ft->has_signature = true;
		return 0;
	default:
		break;
	}

	if (decimal_parse(value, 0, UINT64_MAX, &v) < 0)
		return fault_set(f, EBADMSG, "line %d: %s '%.24s' is not a decimal number", line, key_names[key], value);
	switch (key) {
	case KEY_FORMAT:
		if (v != FOOTER_FORMAT)
			return fault_set(f, EPROTONOSUPPORT, "footer format %.24s is not supported (this hardinit reads format %d)",
					 value, FOOTER_FORMAT);
		ft->format = v;
		break;
	case KEY_VERSION: ft->version = v; break;
	case KEY_DATA_SIZE: ft->data_size = v; break;
	case KEY_HASH_OFFSET: ft->hash_offset = v; break;
	case KEY_BODY_SIZE:
	case KEY_BOOT_SIZE:
		if (v == 0 || v % FOOTER_SIZE || v > (key == KEY_BODY_SIZE ? FOOTER_BODY_MAX : FOOTER_BOOT_MAX))
			return fault_set(f, EBADMSG, "line %d: %s %.24s is not a non-zero multiple of %d of at most %llu",
					 line, key_names[key], value, FOOTER_SIZE,
					 (unsigned long long)(key == KEY_BODY_SIZE ? FOOTER_BODY_MAX : FOOTER_BOOT_MAX));
		*(key == KEY_BODY_SIZE ? &ft->body_size : &ft->boot_size) = v;
		break;
	case KEY_DATA_BLOCK_SIZE:
	case KEY_HASH_BLOCK_SIZE:
		if (!is_block_size(v))
			return fault_set(f, EBADMSG, "line %d: %s %.24s is not a power of two from 512 to 4096", line, key_names[key], value);
		*(key == KEY_DATA_BLOCK_SIZE ? &ft->data_block_size : &ft->hash_block_size) = v;
		break;
	default:
		break;
	}
	return 0;
}

/* The blocks of a dm-verity hash tree over data_blocks blocks, per_block hashes in each
 * hash block: every level down to one block. */
static uint64_t hash_tree_blocks(uint64_t data_blocks, uint64_t per_block)
{
	uint64_t total = 0, n = data_blocks;

	do {
		n = (n + per_block - 1) / per_block;
		total += n;
	} while (n > 1);
	return total;
}

/* Checks the relations between values once all are read. Returns 0 or -EBADMSG. */
static int footer_check_consistent(const struct slot_footer *ft, struct fault *f)
{
	if (ft->root_hash_size != digest_size(ft->hash_algorithm))
		return fault_set(f, EBADMSG, "root_hash has %zu bytes, %s needs %zu", ft->root_hash_size,
				 ft->hash_algorithm, digest_size(ft->hash_algorithm));
	if (ft->data_size == 0 || ft->data_size % ft->data_block_size)
		return fault_set(f, EBADMSG, "data_size is not a non-zero multiple of data_block_size");
	if (ft->hash_offset < ft->data_size || ft->hash_offset % ft->hash_block_size)
		return fault_set(f, EBADMSG, "hash_offset is inside the data or not a multiple of hash_block_size");
	/* The body holds the superblock block and the whole hash tree after hash_offset
	 * (no overflow: hash_offset, and so data_size, are at most FOOTER_BODY_MAX here). */
	if (ft->body_size && (ft->hash_offset > FOOTER_BODY_MAX ||
			      ft->body_size < ft->hash_offset + (uint64_t)ft->hash_block_size *
				      (1 + hash_tree_blocks(ft->data_size / ft->data_block_size,
							    ft->hash_block_size / ft->root_hash_size))))
		return fault_set(f, EBADMSG, "body_size %llu does not cover hash_offset %llu and the hash tree",
				 (unsigned long long)ft->body_size, (unsigned long long)ft->hash_offset);
	return 0;
}

int footer_parse(const unsigned char *block, size_t size, struct slot_footer *ret, struct fault *f)
{
	bool seen[FOOTER_KEY_COUNT] = { false };
	size_t pos = 0;
	int line = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	while (pos < size && block[pos] != '\0') {
		char text[640];
		const unsigned char *nl = memchr(block + pos, '\n', size - pos);
		size_t len;
		char *eq;
		int key = -1;

		line++;
		if (!nl)
			return fault_set(f, EBADMSG, "line %d is not terminated (truncated footer?)", line);
		len = (size_t)(nl - (block + pos));
		if (len >= sizeof(text) || memchr(block + pos, '\0', len))
			return fault_set(f, EBADMSG, "line %d is too long or has a NUL byte", line);
		memcpy(text, block + pos, len);
		text[len] = '\0';
		if (!(eq = strchr(text, '=')))
			return fault_set(f, EBADMSG, "line %d has no '='", line);
		*eq = '\0';
		for (int k = 0; k < FOOTER_KEY_COUNT; k++)
			if (strcmp(text, key_names[k]) == 0)
				key = k;
		if (key < 0)
			return fault_set(f, EBADMSG, "line %d: unknown key '%.32s'", line, text);
		if (line == 1 && key != KEY_FORMAT)
			return fault_set(f, EBADMSG, "line 1 is not format=");
		if (seen[key])
			return fault_set(f, EBADMSG, "line %d: %s is given twice", line, key_names[key]);
		if (key == KEY_SIGNATURE)
			ret->signed_size = pos;
		seen[key] = true;
		if ((r = footer_set(ret, key, eq + 1, line, f)) < 0)
			return r;
		pos += len + 1;
		if (key == KEY_SIGNATURE)
			break;
	}
	for (; pos < size; pos++)
		if (block[pos] != '\0')
			return fault_set(f, EBADMSG, "bytes after the %s are not NUL padding",
					 seen[KEY_SIGNATURE] ? "signature" : "text");
	for (int k = 0; k < FOOTER_REQUIRED_KEYS; k++)
		if (!seen[k])
			return fault_set(f, EBADMSG, "%s is missing (truncated footer?)", key_names[k]);
	if (seen[KEY_BOOT_SIZE] != seen[KEY_BOOT_SHA256])
		return fault_set(f, EBADMSG, "%s without %s", seen[KEY_BOOT_SIZE] ? "boot_size" : "boot_sha256",
				 seen[KEY_BOOT_SIZE] ? "boot_sha256" : "boot_size");
	ret->has_boot = seen[KEY_BOOT_SIZE];
	if (!seen[KEY_SIGNATURE])
		ret->signed_size = 0;
	return footer_check_consistent(ret, f);
}

int footer_check_fits(const struct slot_footer *ft, uint64_t partition_size, struct fault *f)
{
	/* The hash area holds at least the superblock block and one hash block. */
	uint64_t min_hash_end = ft->hash_offset + 2 * (uint64_t)ft->hash_block_size;

	if (partition_size < FOOTER_SIZE || min_hash_end < ft->hash_offset ||
	    min_hash_end > partition_size - FOOTER_SIZE)
		return fault_set(f, EBADMSG, "the footer's layout (hash_offset %llu) does not fit a %llu-byte partition",
				 (unsigned long long)ft->hash_offset, (unsigned long long)partition_size);
	if (ft->body_size > partition_size - FOOTER_SIZE)
		return fault_set(f, EBADMSG, "the image body (%llu bytes) and its footer do not fit a %llu-byte partition",
				 (unsigned long long)ft->body_size, (unsigned long long)partition_size);
	return 0;
}

int footer_compare(const struct slot_footer *written, const struct slot_footer *read_back, struct fault *f)
{
	const struct slot_footer *a = written, *b = read_back;

	if (a->format != b->format)
		return fault_set(f, EIO, "its format is %u, not %u", b->format, a->format);
	if (a->version != b->version)
		return fault_set(f, EIO, "its version is %llu, not %llu", (unsigned long long)b->version,
				 (unsigned long long)a->version);
	if (strcmp(a->fstype, b->fstype) != 0)
		return fault_set(f, EIO, "its fstype is %s, not %s", b->fstype, a->fstype);
	if (a->data_size != b->data_size || a->hash_offset != b->hash_offset ||
	    a->data_block_size != b->data_block_size || a->hash_block_size != b->hash_block_size)
		return fault_set(f, EIO, "its layout (sizes, offsets) differs");
	if (strcmp(a->hash_algorithm, b->hash_algorithm) != 0)
		return fault_set(f, EIO, "its hash_algorithm is %s, not %s", b->hash_algorithm, a->hash_algorithm);
	if (a->salt_size != b->salt_size || memcmp(a->salt, b->salt, a->salt_size) != 0)
		return fault_set(f, EIO, "its salt differs");
	if (a->root_hash_size != b->root_hash_size || memcmp(a->root_hash, b->root_hash, a->root_hash_size) != 0)
		return fault_set(f, EIO, "its root_hash differs");
	if (a->slot != b->slot || a->body_size != b->body_size || a->has_boot != b->has_boot ||
	    a->boot_size != b->boot_size || memcmp(a->boot_sha256, b->boot_sha256, sizeof(a->boot_sha256)) != 0)
		return fault_set(f, EIO, "its slot or bundle sizes differ");
	if (a->signed_size != b->signed_size || a->has_signature != b->has_signature ||
	    memcmp(a->signature, b->signature, sizeof(a->signature)) != 0)
		return fault_set(f, EIO, "its signature differs");
	return 0;
}
