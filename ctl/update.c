/* hardinitctl update: writes an update bundle (from a file or stdin) or a plain slot
 * image into the slot that is not running, checks what is on the disk, and only then
 * makes it the next boot with one GPT write (docs/slots.md, docs/slot-format.md). The
 * decisions are slots/bundle_plan.c's; this file does the I/O. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/fs.h>
#include <openssl/evp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "common/fdio.h"
#include "ctl/ctl.h"
#include "slots/slot_apply.h"
#include "verity/footer_sig.h"
#include "verity/verity_apply.h"

#define COPY_BUFFER (1 << 20)

/* Where the update comes from. */
struct source {
	const char *name;
	int fd;
	enum update_kind kind;
	uint64_t size;              /* a slot image's file size */
};

/* A partition opened for writing. */
struct target_part {
	char path[64];
	int fd;
	uint64_t size;
};

/* Says which step the update reached, on stdout at once (a power-cut test reads it). */
static void step(char slot, const char *what)
{
	printf("slot %c: %s\n", slot, what);
	fflush(stdout);
}

/* Reads exactly len bytes from a stream (a pipe delivers them in pieces).
 * Returns 0, -errno, or -EPIPE at an early end of the stream. */
static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		done += (size_t)n;
	}
	return 0;
}

/* Copies len bytes from `in` (at in_off, or its current position when in_off < 0, as for
 * a pipe) to out at out_off, adding them to md when given; progress on a terminal.
 * Returns 0 or -errno (-EPIPE: the stream ended early). */
static int copy_bytes(int in, off_t in_off, int out, uint64_t out_off, uint64_t len, EVP_MD_CTX *md,
		      const char *label)
{
	static char buf[COPY_BUFFER];
	bool progress = isatty(STDERR_FILENO);
	uint64_t done = 0;
	int shown = -1, r;

	while (done < len) {
		size_t want = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
		if (in_off < 0)
			r = read_full(in, buf, want);
		else
			r = pread(in, buf, want, in_off + (off_t)done) == (ssize_t)want ? 0 : -EIO;
		if (r < 0)
			return r;
		if (md && EVP_DigestUpdate(md, buf, want) != 1)
			return -ENOMEM;
		if ((r = pwrite_full(out, buf, want, out_off + done)) < 0)
			return r;
		/* Start writing each chunk out now: the page cache holds little of a large image
		 * (an appliance has little memory), and the disk follows the stream. */
		if (sync_file_range(out, (off_t)(out_off + done), (off_t)want, SYNC_FILE_RANGE_WRITE) < 0)
			return -errno;
		done += want;
		if (progress && (int)(done * 100 / len) != shown) {
			shown = (int)(done * 100 / len);
			fprintf(stderr, "\rwriting %s: %3d%%", label, shown);
		}
	}
	if (progress)
		fputc('\n', stderr);
	return 0;
}

/* The SHA-256 of len bytes of fd from offset 0, read from the device (the page cache is
 * dropped first, so that what was written is read back). Returns 0 or -errno. */
static int sha256_of(int fd, uint64_t len, unsigned char digest[FOOTER_BOOT_SHA256_SIZE])
{
	static char buf[COPY_BUFFER];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint64_t done = 0;
	int r = 0;

	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		r = -ENOMEM;
	while (r == 0 && done < len) {
		size_t want = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
		if (pread(fd, buf, want, (off_t)done) != (ssize_t)want)
			r = -EIO;
		else if (EVP_DigestUpdate(md, buf, want) != 1)
			r = -ENOMEM;
		done += want;
	}
	if (r == 0 && EVP_DigestFinal_ex(md, digest, NULL) != 1)
		r = -ENOMEM;
	EVP_MD_CTX_free(md);
	return r;
}

/* Opens a partition for writing (exclusively: not mounted) and reads its size.
 * Returns 0 or 1 (after a message). */
static int open_part(const char *path, struct target_part *ret)
{
	snprintf(ret->path, sizeof(ret->path), "%s", path);
	ret->size = 0;
	if ((ret->fd = open(path, O_RDWR | O_CLOEXEC | O_EXCL)) < 0 || ioctl(ret->fd, BLKGETSIZE64, &ret->size) < 0)
		return fail("unable to open %s: %s", path, strerror(errno));
	return 0;
}

/* Opens the source: "-" is a bundle on stdin; a file that starts with a footer
 * ("format=1") is a bundle, any other a slot image (its footer at its end).
 * Reads the footer block. Returns 0 or 1 (after a message). */
static int open_source(const char *name, struct source *src, unsigned char block[FOOTER_SIZE])
{
	static const char magic[] = "format=1\n";
	char head[sizeof(magic) - 1];
	struct stat sb;
	int r;

	src->name = name;
	if (strcmp(name, "-") == 0) {
		src->fd = STDIN_FILENO;
		src->name = "the bundle on stdin";
		src->kind = UPDATE_BUNDLE;
		if ((r = read_full(src->fd, block, FOOTER_SIZE)) < 0)
			return fail("unable to read the bundle's footer from stdin: %s", r == -EPIPE ? "too short" : strerror(-r));
		return 0;
	}
	if ((src->fd = open(name, O_RDONLY | O_CLOEXEC)) < 0 || fstat(src->fd, &sb) < 0)
		return fail("unable to read %s: %s", name, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return fail("%s is not a regular file (a bundle can come from stdin: update -)", name);
	src->size = (uint64_t)sb.st_size;
	if (pread(src->fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) && memcmp(head, magic, sizeof(head)) == 0) {
		src->kind = UPDATE_BUNDLE;
		if ((r = read_full(src->fd, block, FOOTER_SIZE)) < 0)
			return fail("unable to read %s: %s", name, r == -EPIPE ? "too short" : strerror(-r));
		return 0;
	}
	src->kind = UPDATE_SLOT_IMAGE;
	if (src->size < 2 * FOOTER_SIZE || pread(src->fd, block, FOOTER_SIZE, (off_t)(src->size - FOOTER_SIZE)) != FOOTER_SIZE)
		return fail("%s is not a slot image (too small)", name);
	return 0;
}

/* Parses the footer and checks its signature with the trusted keys and its version
 * against the running one. Returns 0 or 1 (after a message). */
static int check_footer(const struct source *src, const unsigned char block[FOOTER_SIZE],
			const struct boot_state_file *st, bool force, struct slot_footer *ret)
{
	struct footer_keys keys;
	struct fault f;
	size_t key;
	int r;

	if (footer_parse(block, FOOTER_SIZE, ret, &f) < 0)
		return fail("%s is not a %s: %s", src->name, src->kind == UPDATE_BUNDLE ? "bundle" : "slot image", f.text);
	if (footer_keys_load(KEYS_DIR, &keys, &f) < 0)
		return fail("unable to load the trusted keys: %s", f.text);
	r = footer_verify_signature(ret, block, &keys, &key, &f);
	footer_keys_free(&keys);
	if (r < 0)
		return fail("%s: %s (wrong key?)", src->name, f.text);
	if (slot_check_version(ret->version, st->version, st->min_version, force, &f) < 0)
		return fail("%s: %s", src->name, f.text);
	return 0;
}

/* Writes a bundle's boot image and body as plan says, and its footer at the root
 * partition's end; the stream must end there. Returns 0 or 1 (after a message). */
static int write_bundle(const struct source *src, const struct slot_footer *footer, const struct bundle_plan *plan,
			const struct target_part *boot, const struct target_part *root, char slot)
{
	unsigned char digest[FOOTER_BOOT_SHA256_SIZE], extra;
	EVP_MD_CTX *md;
	int r;

	if (plan->write_boot) {
		step(slot, "writing the boot image");
		if (!(md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
			return fail("out of memory");
		r = copy_bytes(src->fd, -1, boot->fd, 0, plan->boot_size, md, "the boot image");
		if (r == 0 && EVP_DigestFinal_ex(md, digest, NULL) != 1)
			r = -ENOMEM;
		EVP_MD_CTX_free(md);
		if (r < 0)
			return fail("unable to write the boot image to %s: %s", boot->path,
				    r == -EPIPE ? "the bundle ended early" : strerror(-r));
		if (memcmp(digest, footer->boot_sha256, sizeof(digest)) != 0)
			return fail("%s: the boot image's SHA-256 is not the signed boot_sha256 (a damaged bundle)", src->name);
	}
	step(slot, "writing the root");
	if ((r = copy_bytes(src->fd, -1, root->fd, 0, plan->body_size, NULL, "the root")) < 0)
		return fail("unable to write the root to %s: %s", root->path, r == -EPIPE ? "the bundle ended early" : strerror(-r));
	if ((r = read_full(src->fd, &extra, 1)) != -EPIPE)
		return fail("%s: %s", src->name, r == 0 ? "bytes after the body (not a bundle of this footer)" : strerror(-r));
	return 0;
}

/* Checks what is on the disk now: the boot image's SHA-256, the footer read back, and
 * the whole hash tree against the root hash. Returns 0 or 1 (after a message). */
static int check_written(const struct slot_footer *footer, const struct bundle_plan *plan,
			 const struct target_part *boot, const char *root_path, char slot)
{
	unsigned char block[FOOTER_SIZE], digest[FOOTER_BOOT_SHA256_SIZE];
	struct slot_footer written;
	uint64_t size;
	struct fault f;
	int r;

	if (plan->write_boot) {
		step(slot, "reading the boot image back");
		if ((r = sha256_of(boot->fd, plan->boot_size, digest)) < 0)
			return fail("unable to read %s back: %s", boot->path, strerror(-r));
		if (memcmp(digest, footer->boot_sha256, sizeof(digest)) != 0)
			return fail("the boot image read back from %s is not the one signed (boot_sha256)", boot->path);
	}
	step(slot, "verifying the signature and the whole hash tree");
	if (verity_apply_read_footer(root_path, block, &written, &size, &f) < 0)
		return fail("unable to read the footer back from %s: %s", root_path, f.text);
	if (footer_compare(footer, &written, &f) < 0)
		return fail("the footer read back from %s differs: %s", root_path, f.text);
	if (verity_apply_verify_all(root_path, &written, &f) < 0)
		return fail("%s", f.text);
	return 0;
}

/* Writes the update into the slot that is not running, and only while the running slot
 * is marked good (until then it may be on its last try, and the target is the only
 * fallback; bundle_plan_decide refuses). Everything the checks need comes
 * first and is signed, so a bundle is refused before a byte is written; then the target
 * is marked unbootable, written, synced and checked on the disk, and only then made the
 * next boot (a trial) with one GPT write. A failure or a power cut at any point leaves
 * the running slot first and the target unbootable; the running slot is written only to
 * lower its priority from the top, 15, to 14 (slot_make_first). */
int update(const char *source, bool force)
{
	struct boot_state_file st;
	unsigned char block[FOOTER_SIZE];
	struct slot_footer footer;
	struct source src = { .fd = -1, .kind = UPDATE_BUNDLE };
	struct target_part root = { .fd = -1 }, boot = { .fd = -1 };
	struct slot_attrs off = slot_unbootable(), running;
	uint64_t attrs;
	struct bundle_header header;
	struct bundle_target target;
	struct bundle_plan plan;
	struct fault f;
	char slot, label[16];
	int t, r;

	if (need_state(&st))
		return 1;
	t = st.slot == 'a' ? 1 : 0;
	slot = (char)('a' + t);
	if (!st.partition[t][0])
		return fail("slot %c (the one not running) has no partition", slot);
	if (open_source(source, &src, block) || check_footer(&src, block, &st, force, &footer) || open_part(st.partition[t], &root))
		return 1;
	snprintf(label, sizeof(label), "boot-%c", slot);
	if (src.kind == UPDATE_BUNDLE && footer.has_boot) {
		char path[64];
		if (slot_apply_find_sibling(st.partition[t], label, path, sizeof(path), &f) < 0)
			fprintf(stderr, "hardinitctl: %s\n", f.text);   /* the plan refuses: no boot-X */
		else if (open_part(path, &boot))
			return 1;
	}
	header = (struct bundle_header){ footer.slot, footer.body_size, footer.has_boot, footer.boot_size };
	if (src.kind == UPDATE_SLOT_IMAGE) {
		if (header.body_size > src.size - FOOTER_SIZE)
			return fail("%s is shorter than its footer's body_size (truncated?)", src.name);
		header.body_size = src.size - FOOTER_SIZE;   /* a plain image writes all it holds */
	}
	if (slot_apply_read(st.partition[1 - t], &attrs, &f) < 0)
		return fail("%s", f.text);
	slot_attrs_decode(attrs, &running);
	target = (struct bundle_target){ slot, root.size, boot.size, st.chooser, running.successful };
	if (bundle_plan_decide(src.kind, &header, &target, &plan, &f) < 0)
		return fail("%s: %s", src.name, f.text);
	if (footer_check_fits(&footer, root.size, &f) < 0)
		return fail("%s: %s", src.name, f.text);

	step(slot, "marking unbootable while it is written");
	if (write_attrs(st.partition[t], &off))
		return 1;
	if (src.kind == UPDATE_BUNDLE) {
		if (write_bundle(&src, &footer, &plan, &boot, &root, slot))
			return 1;
	} else {
		step(slot, "writing the root");
		if ((r = copy_bytes(src.fd, 0, root.fd, 0, plan.body_size, NULL, "the root")) < 0)
			return fail("unable to write %s: %s", root.path, strerror(-r));
	}
	if ((r = pwrite_full(root.fd, block, FOOTER_SIZE, root.size - FOOTER_SIZE)) < 0 || (fdatasync(root.fd) < 0 && (r = -errno)) ||
	    (boot.fd >= 0 && fdatasync(boot.fd) < 0 && (r = -errno)))
		return fail("unable to write slot %c: %s", slot, strerror(-r));
	close(root.fd);
	if (check_written(&footer, &plan, &boot, st.partition[t], slot))
		return 1;

	step(slot, "committing: one GPT write");
	if (make_first(&st, t, true))
		return 1;
	printf("slot %c updated to version %llu%s: it boots next, a trial of %u boots until marked good\n", slot,
	       (unsigned long long)footer.version, plan.write_boot ? " (boot image and root)" : "",
	       st.boot_tries ? st.boot_tries : 3);
	return 0;
}
