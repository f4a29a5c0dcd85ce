#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/fdio.h"
#include "slots/gpt_slot_apply.h"
#include "slots/gpt_slot_plan.h"

int slot_apply_locate(const char *partition, char *disk, size_t size, int *ret_partno, struct fault *f)
{
	char path[PATH_MAX], real[PATH_MAX], num[16] = "";
	const char *name = strrchr(partition, '/');
	FILE *in;

	name = name ? name + 1 : partition;
	snprintf(path, sizeof(path), "/sys/class/block/%s/partition", name);
	if (!(in = fopen(path, "re")))
		return fault_set(f, errno, "%s is not a partition: %s", partition, strerror(errno));
	if (!fgets(num, sizeof(num), in) || (*ret_partno = atoi(num)) < 1) {
		fclose(in);
		return fault_set(f, EINVAL, "unable to read %s", path);
	}
	fclose(in);
	snprintf(path, sizeof(path), "/sys/class/block/%s/..", name);
	if (!realpath(path, real))
		return fault_set(f, errno, "unable to find the disk of %s: %s", partition, strerror(errno));
	snprintf(disk, size, "/dev/%s", basename(real));
	return 0;
}

/* The buffers of one label read from a disk. */
struct label_buffers {
	struct gpt_label l;
	struct gpt_header ph, bh;
};

static void label_free(struct label_buffers *b)
{
	free(b->l.primary);
	free(b->l.backup);
	free(b->l.primary_entries);
	free(b->l.backup_entries);
}

/* Reads both GPT copies of the disk open at fd. Returns 0, or -errno with f set. */
static int label_read(int fd, const char *disk, struct label_buffers *b, struct fault *f)
{
	uint64_t bytes = 0;
	const char *why;
	int ssz = 0, r;

	memset(b, 0, sizeof(*b));
	if (ioctl(fd, BLKSSZGET, &ssz) < 0 || ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		return fault_set(f, errno, "unable to size %s: %s", disk, strerror(errno));
	if (ssz < GPT_SECTOR_SIZE_MIN || ssz > GPT_SECTOR_SIZE_MAX || bytes / (unsigned)ssz < 4)
		return fault_set(f, EMEDIUMTYPE, "%s: unusable sector size or disk size", disk);
	b->l.sector_size = (uint32_t)ssz;
	b->l.last_lba = bytes / b->l.sector_size - 1;
	if (!(b->l.primary = malloc(b->l.sector_size)) || !(b->l.backup = malloc(b->l.sector_size)))
		return fault_set(f, ENOMEM, "out of memory");
	if ((r = pread_full(fd, b->l.primary, b->l.sector_size, b->l.sector_size)) < 0 ||
	    (r = pread_full(fd, b->l.backup, b->l.sector_size, b->l.last_lba * b->l.sector_size)) < 0)
		return fault_set(f, -r, "unable to read the GPT headers of %s: %s", disk, strerror(-r));
	/* Each entry array where its header says, once the header checks out. */
	if (!gpt_check_header(b->l.primary, b->l.sector_size, 1, b->l.last_lba, &b->ph, &why))
		return fault_set(f, EMEDIUMTYPE, "%s: the primary GPT header does not check (%s)", disk, why);
	if (!gpt_check_header(b->l.backup, b->l.sector_size, b->l.last_lba, b->l.last_lba, &b->bh, &why))
		return fault_set(f, EMEDIUMTYPE, "%s: the backup GPT header does not check (%s)", disk, why);
	b->l.primary_entries_len = b->ph.entries_bytes;
	b->l.backup_entries_len = b->bh.entries_bytes;
	if (!(b->l.primary_entries = malloc(b->ph.entries_bytes + 1)) ||
	    !(b->l.backup_entries = malloc(b->bh.entries_bytes + 1)))
		return fault_set(f, ENOMEM, "out of memory");
	if ((r = pread_full(fd, b->l.primary_entries, b->ph.entries_bytes, b->ph.entries_lba * b->l.sector_size)) < 0 ||
	    (r = pread_full(fd, b->l.backup_entries, b->bh.entries_bytes, b->bh.entries_lba * b->l.sector_size)) < 0)
		return fault_set(f, -r, "unable to read the GPT entries of %s: %s", disk, strerror(-r));
	return 0;
}

/* Writes one copy (entry array, then header) and fsyncs. Returns 0 or -errno. */
static int copy_write(int fd, uint8_t *header, uint64_t header_lba, uint8_t *entries, const struct gpt_header *h,
		      uint32_t sector_size)
{
	int r;

	if ((r = pwrite_full(fd, entries, h->entries_bytes, h->entries_lba * sector_size)) < 0 ||
	    (r = pwrite_full(fd, header, sector_size, header_lba * sector_size)) < 0)
		return r;
	return fsync(fd) < 0 ? -errno : 0;
}

int gpt_slot_apply_outcome(const char *partition, enum slot_outcome o, bool *ret_decided, struct fault *f)
{
	struct label_buffers b;
	char disk[PATH_MAX];
	const char *why;
	bool decided = false;
	int partno, fd, r;

	if ((r = slot_apply_locate(partition, disk, sizeof(disk), &partno, f)) < 0)
		return r;
	if ((fd = open(disk, O_RDWR | O_CLOEXEC)) < 0)
		return fault_set(f, errno, "unable to open %s: %s", disk, strerror(errno));
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		r = fault_set(f, errno, "unable to lock %s: %s", disk, strerror(errno));
		close(fd);
		return r;
	}
	if ((r = label_read(fd, disk, &b, f)) < 0)
		goto out;
	if ((r = gpt_label_apply_outcome(&b.l, (uint32_t)partno - 1, o, &decided, &why)) < 0) {
		r = fault_set(f, EMEDIUMTYPE, "refusing the GPT of %s for %s: %s", disk, partition, why);
		goto out;
	}
	if (r == 1) {
		int w = copy_write(fd, b.l.backup, b.l.last_lba, b.l.backup_entries, &b.bh, b.l.sector_size);
		if (w == 0)
			w = copy_write(fd, b.l.primary, 1, b.l.primary_entries, &b.ph, b.l.sector_size);
		if (w < 0)
			r = fault_set(f, -w, "unable to write the GPT of %s: %s", disk, strerror(-w));
	}
out:
	label_free(&b);
	close(fd);
	if (ret_decided)
		*ret_decided = decided;
	return r;
}

int gpt_slot_apply_mark_good(const char *partition, struct fault *f)
{
	bool decided;
	int r = gpt_slot_apply_outcome(partition, SLOT_OUTCOME_GOOD, &decided, f);

	if (r >= 0 && !decided)
		return fault_set(f, EPERM, "%s is marked unbootable: not marking it good", partition);
	return r < 0 ? r : 0;
}
