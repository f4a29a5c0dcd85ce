/* verity_sweep: the dm-verity "every block" corruption sweep, run inside the guest
 * (tests/qemu/cases/verity.sh). DEVICE holds a slot image (filesystem, veritysetup
 * superblock, hash tree, signed footer in its last 4096 bytes; tools/build-images makes
 * it). The sweep opens it with the function the boot opens a slot with
 * (verity_open_slot: footer, signature, trust under verity = required, top hash block,
 * dm-verity), with on_corruption = eio, and checks:
 *   - the pristine image opens and reads back byte for byte what the host built
 *     (DATA_SHA256: the host's sha256 of the data area);
 *   - for every data block and every hash-tree block, zero-filled (0xff-filled if it
 *     was zero) and with one bit flipped (at an offset that varies with the block): the
 *     open is refused, or every data block it covers fails to read (EIO) and every other
 *     block reads back unchanged; the kernel then reports the device corrupted;
 *   - every bit of every footer byte flipped in turn: refused by footer_parse,
 *     footer_check_fits, footer_verify_signature and verity_plan_trust. A flipped footer
 *     that is accepted is counted as such (and opened and read: it must not return a
 *     changed byte).
 * Prints one summary line and exits 0 when nothing was accepted and no changed byte was
 * returned, 1 otherwise, 2 on a usage or setup error. Linked against libhardinit.a.
 * Usage: verity-sweep DEVICE KEYDIR DATA_SHA256 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libcryptsetup.h>
#include <openssl/evp.h>

#include "common/hex.h"
#include "verity/footer.h"
#include "verity/footer_sig.h"
#include "verity/verity_apply.h"
#include "verity/verity_open.h"
#include "verity/verity_plan.h"

#define BLK 4096
#define DM_NAME "verity-sweep"
#define DM_PATH "/dev/mapper/" DM_NAME

static const char *device;
static int dev_fd = -1;              /* O_DIRECT, read-write: the corruptions */
static uint64_t dev_size;
static struct footer_keys keys;
static int keys_result;
static struct fault keys_fault;
static unsigned char *io;            /* one aligned block for O_DIRECT */
static double spent_open, spent_read, spent_close;  /* seconds, over the block sweep */

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Opens device with the boot's own function (verity_open_slot, as init/boot_apply.c),
 * under verity = required with on_corruption = eio and the keys loaded once. Returns 0
 * when DM_NAME is active (*ret holds the footer), or the refusal's -errno with f
 * saying why. */
static int open_like_boot(struct slot_footer *ret, struct fault *f)
{
	const struct verity_open_request req = {
		.device = device,
		.slot = 'a',
		.mode = VERITY_REQUIRED,
		.keys = &keys,
		.keys_result = keys_result,
		.keys_fault = &keys_fault,
		.on_corruption = CORRUPTION_EIO,
		.dm_name = DM_NAME,
	};
	enum root_trust trust;

	return verity_open_slot(&req, ret, &trust, f);
}

static void close_dm(void)
{
	int r = crypt_deactivate(NULL, DM_NAME);

	if (r < 0) {
		fprintf(stderr, "verity-sweep: unable to deactivate %s: %s\n", DM_NAME, strerror(-r));
		exit(2);
	}
}

static void dev_write(const unsigned char *buf, uint64_t off)
{
	memcpy(io, buf, BLK);
	if (pwrite(dev_fd, io, BLK, (off_t)off) != BLK) {
		fprintf(stderr, "verity-sweep: unable to write %s at %llu: %s\n", device, (unsigned long long)off,
			strerror(errno));
		exit(2);
	}
}

static void dev_read(unsigned char *buf, uint64_t off)
{
	if (pread(dev_fd, io, BLK, (off_t)off) != BLK) {
		fprintf(stderr, "verity-sweep: unable to read %s at %llu: %s\n", device, (unsigned long long)off,
			strerror(errno));
		exit(2);
	}
	memcpy(buf, io, BLK);
}

/* What reading the active device gave. */
struct readout {
	uint64_t ok, failed;         /* blocks read, blocks that failed */
	uint64_t failed_expected;    /* failed and inside [lo, hi) */
	uint64_t read_in_range;      /* read (not failed) inside [lo, hi): accepted */
	uint64_t changed_blocks;     /* read, and different from the original */
	uint64_t changed_bytes;
	uint64_t other_errors;       /* failed with another error than EIO */
};

/* Judges one block that was read (n bytes) against the original. */
static void judge(struct readout *out, ssize_t n, int err, const unsigned char *got, const unsigned char *want, bool in)
{
	if (n != BLK) {
		out->failed++;
		out->failed_expected += in;
		out->other_errors += !(n < 0 && err == EIO);
		return;
	}
	out->ok++;
	out->read_in_range += in;
	if (memcmp(got, want, BLK) != 0) {
		out->changed_blocks++;
		for (size_t i = 0; i < BLK; i++)
			out->changed_bytes += got[i] != want[i];
	}
}

/* Reads every data block of DM_PATH with O_DIRECT and compares it with orig; blocks
 * [lo, hi) are the ones the corruption covers (lo == hi: none). It reads CHUNK blocks
 * at a time (fewer requests: reading is most of a sweep's time under TCG) and, where a
 * chunk fails, each of its blocks alone, so that every block is read and judged. */
#define CHUNK 16
static void read_all(const unsigned char *orig, uint64_t blocks, uint64_t lo, uint64_t hi, struct readout *out)
{
	static unsigned char *buf;
	int fd = open(DM_PATH, O_RDONLY | O_DIRECT | O_CLOEXEC);

	memset(out, 0, sizeof(*out));
	if (fd < 0 || (!buf && posix_memalign((void **)&buf, BLK, CHUNK * BLK) != 0)) {
		fprintf(stderr, "verity-sweep: unable to open %s: %s\n", DM_PATH, strerror(errno));
		exit(2);
	}
	for (uint64_t b = 0; b < blocks; b += CHUNK) {
		uint64_t count = blocks - b < CHUNK ? blocks - b : CHUNK;
		ssize_t n = pread(fd, buf, count * BLK, (off_t)(b * BLK));

		if (n == (ssize_t)(count * BLK)) {
			for (uint64_t i = 0; i < count; i++)
				judge(out, BLK, 0, buf + i * BLK, orig + (b + i) * BLK, b + i >= lo && b + i < hi);
			continue;
		}
		for (uint64_t i = 0; i < count; i++) {
			n = pread(fd, buf, BLK, (off_t)((b + i) * BLK));
			judge(out, n, errno, buf, orig + (b + i) * BLK, b + i >= lo && b + i < hi);
		}
	}
	close(fd);
}

/* The dm-verity hash tree as veritysetup lays it out: the highest level first, right
 * after the superblock block. */
struct tree {
	unsigned levels;
	uint64_t count[16];          /* blocks per level, 0 = the hashes of the data */
	uint64_t start[16];          /* first block of each level, from the tree's start */
	uint64_t span[16];           /* data blocks one block of each level covers */
};

static void tree_layout(uint64_t data_blocks, unsigned digest_size, struct tree *t)
{
	unsigned fanout = BLK / digest_size;
	uint64_t n = data_blocks, span = 1, pos = 0;

	memset(t, 0, sizeof(*t));
	do {
		n = (n + fanout - 1) / fanout;
		span *= fanout;
		t->count[t->levels] = n;
		t->span[t->levels] = span;
		t->levels++;
	} while (n > 1 && t->levels < 16);
	for (unsigned i = t->levels; i-- > 0;) {
		t->start[i] = pos;
		pos += t->count[i];
	}
}

/* The data blocks tree block idx (from the tree's start) covers: [*lo, *hi). */
static void tree_covers(const struct tree *t, uint64_t idx, uint64_t data_blocks, uint64_t *lo, uint64_t *hi)
{
	for (unsigned i = 0; i < t->levels; i++) {
		if (idx >= t->start[i] && idx < t->start[i] + t->count[i]) {
			*lo = (idx - t->start[i]) * t->span[i];
			*hi = *lo + t->span[i] < data_blocks ? *lo + t->span[i] : data_blocks;
			return;
		}
	}
	*lo = *hi = 0;
}

struct tally {
	uint64_t tests, refused_open, refused_read, accepted, changed_bytes, unexpected, zero_as_ff;
};

/* One corrupted block at device offset off, covering data blocks [lo, hi): open, read,
 * judge, close, restore. */
static void try_block(const unsigned char *orig, uint64_t blocks, uint64_t off, const unsigned char *bad,
		      uint64_t lo, uint64_t hi, const char *what, struct tally *t)
{
	unsigned char saved[BLK];
	struct slot_footer footer;
	struct fault f = { "" };
	struct readout ro;
	bool verified = true;
	int r;

	double t0 = now(), t1, t2;

	dev_read(saved, off);
	dev_write(bad, off);
	t->tests++;
	r = open_like_boot(&footer, &f);
	t1 = now();
	spent_open += t1 - t0;
	if (r < 0) {
		t->refused_open++;
	} else {
		struct fault sf = { "" };

		read_all(orig, blocks, lo, hi, &ro);
		if (verity_apply_status(DM_NAME, &verified, &sf) < 0) {
			fprintf(stderr, "verity-sweep: %s\n", sf.text);
			exit(2);
		}
		t2 = now();
		spent_read += t2 - t1;
		close_dm();
		spent_close += now() - t2;
		t->changed_bytes += ro.changed_bytes;
		if (ro.read_in_range || ro.changed_blocks) {
			t->accepted++;
			printf("ACCEPTED %s: %llu covered block(s) read, %llu changed byte(s) returned\n", what,
			       (unsigned long long)ro.read_in_range, (unsigned long long)ro.changed_bytes);
		} else if (ro.failed != ro.failed_expected || ro.failed_expected != hi - lo || ro.other_errors ||
			   verified == (hi > lo)) {
			t->unexpected++;
			printf("UNEXPECTED %s: %llu of blocks [%llu, %llu) failed, %llu others failed, %llu not with EIO, "
			       "status %s\n", what, (unsigned long long)ro.failed_expected, (unsigned long long)lo,
			       (unsigned long long)hi, (unsigned long long)(ro.failed - ro.failed_expected),
			       (unsigned long long)ro.other_errors, verified ? "verified" : "corrupted");
		} else {
			t->refused_read++;
		}
	}
	dev_write(saved, off);
}

/* Every data and hash-tree block, zero-filled and with one bit flipped. */
static void sweep_blocks(const unsigned char *orig, const struct slot_footer *ft, struct tally *t,
			 uint64_t *ret_hash_blocks)
{
	uint64_t data_blocks = ft->data_size / BLK, tree_start = verity_plan_top_block_offset(ft) / BLK;
	uint64_t body_blocks = ft->body_size ? ft->body_size / BLK : dev_size / BLK - 1;
	unsigned char blk[BLK], bad[BLK];
	struct tree tree;
	char what[96];
	uint64_t n = 0;

	tree_layout(data_blocks, (unsigned)ft->root_hash_size, &tree);
	*ret_hash_blocks = body_blocks - tree_start;
	for (uint64_t b = 0; b < data_blocks + *ret_hash_blocks; b++) {
		bool is_data = b < data_blocks;
		uint64_t dev_block = is_data ? b : tree_start + (b - data_blocks), lo = b, hi = b + 1;
		unsigned bit;

		if (!is_data)
			tree_covers(&tree, b - data_blocks, data_blocks, &lo, &hi);
		dev_read(blk, dev_block * BLK);
		/* Zero fill; 0xff when the block is zero already (no change otherwise). */
		memset(bad, 0, BLK);
		if (memcmp(bad, blk, BLK) == 0) {
			memset(bad, 0xff, BLK);
			t->zero_as_ff++;
		}
		snprintf(what, sizeof(what), "%s block %llu zero-filled", is_data ? "data" : "hash",
			 (unsigned long long)(is_data ? b : b - data_blocks));
		try_block(orig, data_blocks, dev_block * BLK, bad, lo, hi, what, t);
		/* One bit, at an offset that walks through the block. */
		bit = (unsigned)((n++ * 7919 + 13) % (BLK * 8));
		memcpy(bad, blk, BLK);
		bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		snprintf(what, sizeof(what), "%s block %llu bit %u flipped", is_data ? "data" : "hash",
			 (unsigned long long)(is_data ? b : b - data_blocks), bit);
		try_block(orig, data_blocks, dev_block * BLK, bad, lo, hi, what, t);
	}
}

/* The boot's footer checks on a footer block in memory (what verity_apply_read_footer
 * does after its read, then the signature and the trust decision). Returns 0 if the
 * footer would be trusted. */
static int footer_trusted(const unsigned char *block)
{
	struct fault f = { "" }, sig_fault = { "" };
	struct slot_footer ft;
	enum root_trust trust;
	size_t key_index;
	int sig = -ENODATA, r;

	if ((r = footer_parse(block, FOOTER_SIZE, &ft, &f)) < 0 || (r = footer_check_fits(&ft, dev_size, &f)) < 0)
		return r;
	if (keys_result >= 0)
		sig = footer_verify_signature(&ft, block, &keys, &key_index, &sig_fault);
	return verity_plan_trust(VERITY_REQUIRED, NULL, 0, keys_result, &keys_fault, &ft, sig, &sig_fault, &trust, &f);
}

/* Every bit of every footer byte, flipped in turn. An accepted footer (the first
 * FOOTER_OPENS_MAX of them) is written to the device and opened and read like a
 * corrupted block. */
#define FOOTER_OPENS_MAX 8
static void sweep_footer(const unsigned char *orig, uint64_t data_blocks, uint64_t *ret_refused,
			 uint64_t *ret_accepted, struct tally *t)
{
	unsigned char footer[BLK], bad[BLK];
	char what[64];

	dev_read(footer, dev_size - BLK);
	*ret_refused = *ret_accepted = 0;
	for (unsigned i = 0; i < BLK * 8; i++) {
		memcpy(bad, footer, BLK);
		bad[i / 8] ^= (unsigned char)(1u << (i % 8));
		if (footer_trusted(bad) < 0) {
			(*ret_refused)++;
			continue;
		}
		snprintf(what, sizeof(what), "footer byte %u bit %u ('%c' -> '%c')", i / 8, i % 8,
			 footer[i / 8] >= 32 && footer[i / 8] < 127 ? footer[i / 8] : '?',
			 bad[i / 8] >= 32 && bad[i / 8] < 127 ? bad[i / 8] : '?');
		printf("ACCEPTED %s\n", what);
		/* What the boot would then do with it: nothing covered, so any failed read or
		 * changed byte shows up as unexpected or accepted. The first few only: one
		 * accepted footer already fails the sweep, and each open costs a fifth of a
		 * second under TCG. */
		if ((*ret_accepted)++ < FOOTER_OPENS_MAX)
			try_block(orig, data_blocks, dev_size - BLK, bad, 0, 0, what, t);
	}
}

int main(int argc, char **argv)
{
	unsigned char digest[EVP_MAX_MD_SIZE], want[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	struct tally blocks = { 0 }, footers = { 0 };
	uint64_t data_blocks, hash_blocks, f_refused, f_accepted;
	struct slot_footer ft;
	struct fault f = { "" };
	struct readout ro;
	unsigned char *orig;
	bool verified = false;
	double t0, t1, t2;
	int r;

	if (argc != 4 || hex_decode(argv[3], want, sizeof(want)) != 32) {
		fprintf(stderr, "usage: verity-sweep DEVICE KEYDIR DATA_SHA256\n");
		return 2;
	}
	device = argv[1];
	keys_result = footer_keys_load(argv[2], &keys, &keys_fault);
	if (keys_result <= 0) {
		fprintf(stderr, "verity-sweep: no key in %s: %s\n", argv[2], keys_fault.text);
		return 2;
	}
	dev_fd = open(device, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (dev_fd < 0 || ioctl(dev_fd, BLKGETSIZE64, &dev_size) < 0 ||
	    posix_memalign((void **)&io, BLK, BLK) != 0) {
		fprintf(stderr, "verity-sweep: unable to open %s: %s\n", device, strerror(errno));
		return 2;
	}

	/* The pristine image: opens, reads back what the host built, status verified. */
	if ((r = open_like_boot(&ft, &f)) < 0) {
		printf("verity sweep: FAIL the pristine image does not open: %s\n", f.text);
		return 1;
	}
	data_blocks = ft.data_size / BLK;
	orig = malloc(ft.data_size);
	if (!orig)
		return 2;
	for (uint64_t b = 0; b < data_blocks; b++)
		dev_read(orig + b * BLK, b * BLK);
	read_all(orig, data_blocks, 0, 0, &ro);
	if (verity_apply_status(DM_NAME, &verified, &f) < 0)
		return 2;
	close_dm();
	EVP_Digest(orig, ft.data_size, digest, &digest_len, EVP_sha256(), NULL);
	if (ro.failed || ro.changed_blocks || !verified || digest_len != 32 || memcmp(digest, want, 32) != 0) {
		printf("verity sweep: FAIL the pristine image: %llu blocks failed, %llu differ from the device, "
		       "status %s, data %s the host's\n", (unsigned long long)ro.failed,
		       (unsigned long long)ro.changed_blocks, verified ? "verified" : "corrupted",
		       digest_len == 32 && memcmp(digest, want, 32) == 0 ? "equal to" : "not");
		return 1;
	}

	t0 = now();
	sweep_blocks(orig, &ft, &blocks, &hash_blocks);
	t1 = now();
	sweep_footer(orig, data_blocks, &f_refused, &f_accepted, &footers);
	t2 = now();

	printf("verity sweep: pristine: %llu data blocks read back identical; "
	       "%llu data + %llu hash blocks x 2 corruptions: %llu refused (%llu at open, %llu on read), "
	       "%llu accepted, %llu unexpected, %llu changed bytes returned; "
	       "footer %d bytes x 8 bits flipped: %llu refused, %llu accepted (%llu opened: %llu changed bytes returned, "
	       "%llu unexpected)\n",
	       (unsigned long long)data_blocks, (unsigned long long)data_blocks, (unsigned long long)hash_blocks,
	       (unsigned long long)(blocks.refused_open + blocks.refused_read), (unsigned long long)blocks.refused_open,
	       (unsigned long long)blocks.refused_read, (unsigned long long)blocks.accepted,
	       (unsigned long long)blocks.unexpected, (unsigned long long)blocks.changed_bytes, BLK,
	       (unsigned long long)f_refused, (unsigned long long)f_accepted, (unsigned long long)footers.tests,
	       (unsigned long long)footers.changed_bytes, (unsigned long long)footers.unexpected);
	printf("verity sweep: blocks %.1f s (%.0f ms a corruption: open %.0f, read %.0f, close %.0f), footer %.1f s\n",
	       t1 - t0, 1000 * (t1 - t0) / (double)(blocks.tests ? blocks.tests : 1),
	       1000 * spent_open / (double)(blocks.tests ? blocks.tests : 1),
	       1000 * spent_read / (double)(blocks.tests ? blocks.tests : 1),
	       1000 * spent_close / (double)(blocks.tests ? blocks.tests : 1), t2 - t1);
	if (blocks.zero_as_ff)
		printf("verity sweep: %llu block(s) were zero already: filled with 0xff instead\n",
		       (unsigned long long)blocks.zero_as_ff);
	footer_keys_free(&keys);
	free(orig);
	return blocks.accepted || blocks.unexpected || blocks.changed_bytes || f_accepted || footers.changed_bytes || footers.unexpected ||
	       blocks.tests != 2 * (data_blocks + hash_blocks) ? 1 : 0;
}
