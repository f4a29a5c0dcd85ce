#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdisk.h>

#include "common/fdio.h"
#include "common/log.h"
#include "slots/gpt_plan.h"
#include "slots/slot_apply.h"

/* Whether /sys/class/block/DISK/PART/uevent says PARTNAME=label. */
static bool partname_is(const char *disk, const char *part, const char *label)
{
	char path[PATH_MAX], line[256];
	bool found = false;
	FILE *in;

	snprintf(path, sizeof(path), "/sys/class/block/%.255s/%.255s/uevent", disk, part);
	if (!(in = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		found = strncmp(line, "PARTNAME=", 9) == 0 && strcmp(line + 9, label) == 0;
	}
	fclose(in);
	return found;
}

int slot_apply_find_sibling(const char *partition, const char *label, char *ret, size_t size, struct fault *f)
{
	char disk_dev[PATH_MAX], dir[PATH_MAX + 32], found[NAME_MAX + 1] = "";
	const char *disk;
	struct dirent *e;
	int partno, r, n = 0;
	DIR *d;

	if ((r = slot_apply_locate(partition, disk_dev, sizeof(disk_dev), &partno, f)) < 0)
		return r;
	disk = disk_dev + strlen("/dev/");
	snprintf(dir, sizeof(dir), "/sys/class/block/%s", disk);
	if (!(d = opendir(dir)))
		return fault_set(f, errno, "unable to list %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, disk, strlen(disk)) != 0 || !partname_is(disk, e->d_name, label))
			continue;
		if (n++ == 0)
			snprintf(found, sizeof(found), "%s", e->d_name);
	}
	closedir(d);
	if (n == 0)
		return fault_set(f, ENOENT, "%s has no partition labelled %s", disk_dev, label);
	if (n > 1)
		return fault_set(f, ENOTUNIQ, "%s has %d partitions labelled %s", disk_dev, n, label);
	snprintf(ret, size, "/dev/%s", found);
	return 0;
}

/* Gives libfdisk the disk opened for writing with O_SYNC: each of its writes (the
 * backup entry array and header, then the primary's) is on the disk before the next
 * starts, so a power cut tears at most one GPT copy and the other stays valid (without
 * it the page cache may write both back in any order before the final fsync). The
 * whole disk is locked (flock LOCK_EX, the convention udev honours) from before libfdisk
 * reads the GPT until the caller closes the descriptor: two writers (mark-good from the
 * service tree while an update marks its target) never lose each other's change.
 * Returns the descriptor (the caller closes it after fdisk_deassign_device) or -errno. */
static int assign_synced(struct fdisk_context *cxt, const char *disk)
{
	int fd = open(disk, O_RDWR | O_SYNC | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0)
		r = -errno;
	else
		r = fdisk_assign_device_by_fd(cxt, fd, disk, 0);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* Opens the GPT of the disk that holds partition, read-only or for writing (then
 * *ret_fd is the O_SYNC descriptor to close after fdisk_deassign_device; else -1).
 * Returns 0 with *ret and the 0-based partition index, or -errno. */
static int open_label(const char *partition, bool writable, struct fdisk_context **ret, size_t *ret_index,
		      int *ret_fd, struct fault *f)
{
	char disk[PATH_MAX];
	struct fdisk_context *cxt;
	int partno, r, fd = -1;

	if ((r = slot_apply_locate(partition, disk, sizeof(disk), &partno, f)) < 0)
		return r;
	if (!(cxt = fdisk_new_context()))
		return fault_set(f, ENOMEM, "unable to start libfdisk");
	r = writable ? (fd = assign_synced(cxt, disk)) : fdisk_assign_device(cxt, disk, 1);
	if (r < 0) {
		fdisk_unref_context(cxt);
		return fault_set(f, -r, "unable to open %s: %s", disk, strerror(-r));
	}
	if (!fdisk_is_labeltype(cxt, FDISK_DISKLABEL_GPT)) {
		fdisk_unref_context(cxt);
		if (fd >= 0)
			close(fd);
		return fault_set(f, EMEDIUMTYPE, "%s has no GPT", disk);
	}
	*ret = cxt;
	*ret_index = (size_t)partno - 1;
	*ret_fd = fd;
	return 0;
}

int slot_apply_read(const char *partition, uint64_t *ret_attrs, struct fault *f)
{
	struct fdisk_context *cxt;
	size_t index;
	int fd, r = open_label(partition, false, &cxt, &index, &fd, f);

	if (r < 0)
		return r;
	if ((r = fdisk_gpt_get_partition_attrs(cxt, index, ret_attrs)) < 0)
		r = fault_set(f, -r, "unable to read the attributes of %s: %s", partition, strerror(-r));
	fdisk_unref_context(cxt);
	return r;
}

int slot_apply_update(const char *const part[2], slot_apply_change_fn change, void *ctx, struct fault *f)
{
	char disk[2][PATH_MAX];
	uint64_t attrs[2] = { 0, 0 };
	struct slot_attrs a[2] = { { 0, 0, false }, { 0, 0, false } };
	struct fdisk_context *cxt;
	size_t index[2] = { 0, 0 };
	bool present[2], changed = false;
	int partno, first = -1, fd = -1, r;

	for (int s = 0; s < 2; s++) {
		present[s] = part[s] && part[s][0];
		if (!present[s])
			continue;
		if ((r = slot_apply_locate(part[s], disk[s], sizeof(disk[s]), &partno, f)) < 0)
			return r;
		index[s] = (size_t)partno - 1;
		if (first < 0)
			first = s;
		else if (strcmp(disk[s], disk[first]) != 0)
			return fault_set(f, EXDEV, "%s and %s are not on one disk", part[first], part[s]);
	}
	if (first < 0)
		return fault_set(f, ENOENT, "no slot partition");
	if ((r = open_label(part[first], true, &cxt, &index[first], &fd, f)) < 0)
		return r;
	for (int s = 0; s < 2 && r == 0; s++) {
		if (present[s] && (r = fdisk_gpt_get_partition_attrs(cxt, index[s], &attrs[s])) < 0)
			r = fault_set(f, -r, "unable to read the attributes of %s: %s", part[s], strerror(-r));
		else if (present[s])
			slot_attrs_decode(attrs[s], &a[s]);
	}
	if (r == 0)
		r = change(a, ctx, f);
	for (int s = 0; s < 2 && r == 0; s++) {
		uint64_t next = slot_attrs_encode(attrs[s], &a[s]);

		if (!present[s] || next == attrs[s])
			continue;
		changed = true;
		if ((r = fdisk_gpt_set_partition_attrs(cxt, index[s], next)) < 0)
			r = fault_set(f, -r, "unable to set the attributes of %s: %s", part[s], strerror(-r));
	}
	if (r == 0 && changed && (r = fdisk_write_disklabel(cxt)) < 0)
		r = fault_set(f, -r, "unable to write the attributes of %s: %s", part[first], strerror(-r));
	else if (r == 0 && changed && (r = fdisk_deassign_device(cxt, 0)) < 0) /* fsyncs */
		r = fault_set(f, -r, "unable to sync the GPT of %s: %s", part[first], strerror(-r));
	fdisk_unref_context(cxt);
	close(fd);
	return r < 0 ? r : changed;
}

/* slot_apply_write's change: slot 0 becomes *ctx. */
static int set_attrs(struct slot_attrs a[2], void *ctx, struct fault *f)
{
	(void)f;
	a[0] = *(const struct slot_attrs *)ctx;
	return 0;
}

int slot_apply_write(const char *partition, const struct slot_attrs *a, struct fault *f)
{
	const char *part[2] = { partition, NULL };
	struct slot_attrs want = *a;
	int r = slot_apply_update(part, set_attrs, &want, f);

	return r < 0 ? r : 0;
}

struct outcome {
	enum slot_outcome o;
	bool decided;
};

/* slot_apply_outcome's change: slot 0 as slot_rule_outcome says after ctx's outcome. */
static int apply_outcome(struct slot_attrs a[2], void *ctx, struct fault *f)
{
	struct outcome *c = ctx;
	struct slot_attrs next;

	(void)f;
	c->decided = slot_rule_outcome(&a[0], c->o, &next);
	if (c->decided)
		a[0] = next;
	return 0;
}

int slot_apply_outcome(const char *partition, enum slot_outcome o, struct fault *f)
{
	const char *part[2] = { partition, NULL };
	struct outcome c = { o, false };
	int r = slot_apply_update(part, apply_outcome, &c, f);

	return r < 0 ? r : c.decided;
}

/* True if the whole disk `name` has at least one partition in sysfs. */
static bool has_partitions(const char *name)
{
	char dir[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/class/block/%s", name);
	if (!(d = opendir(dir)))
		return false;
	while (!found && (e = readdir(d))) {
		char attr[2 * PATH_MAX];
		if (strncmp(e->d_name, name, strlen(name)) != 0)
			continue;
		snprintf(attr, sizeof(attr), "%s/%s/partition", dir, e->d_name);
		found = access(attr, F_OK) == 0;
	}
	closedir(d);
	return found;
}

/* Reads the entry array of a header gpt_check_header accepted. Returns a malloc'ed
 * buffer of h->entries_bytes (at least 1) bytes, or NULL. */
static uint8_t *read_entries(int fd, const struct gpt_header *h, uint32_t sector_size)
{
	uint8_t *buf = malloc(h->entries_bytes ? h->entries_bytes : 1);

	if (buf && pread_full(fd, buf, h->entries_bytes, h->entries_lba * sector_size) < 0) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* Reads both GPT headers and entry arrays of `disk` and applies the repair rule
 * (gpt_plan_repair_decide). Returns 0 with *d filled, or -errno if the disk could not
 * be read. */
static int decide_disk(const char *disk, const char *const labels[2], struct gpt_repair_decision *d)
{
	struct gpt_disk_view v = { .sector_size = 0 };
	struct gpt_header h;
	uint8_t *primary = NULL, *backup = NULL, *pentries = NULL, *bentries = NULL;
	const char *why;
	uint64_t bytes = 0;
	int fd, ssz = 0, r = 0;

	if ((fd = open(disk, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -errno;
	if (ioctl(fd, BLKSSZGET, &ssz) < 0 || ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
		r = -errno;
		goto out;
	}
	if (ssz < GPT_SECTOR_SIZE_MIN || ssz > GPT_SECTOR_SIZE_MAX || bytes / (unsigned)ssz < 4) {
		r = -EMEDIUMTYPE;
		goto out;
	}
	v.sector_size = (uint32_t)ssz;
	v.last_lba = bytes / v.sector_size - 1;
	if (!(primary = malloc(v.sector_size)) || !(backup = malloc(v.sector_size))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = pread_full(fd, primary, v.sector_size, v.sector_size)) < 0 ||
	    (r = pread_full(fd, backup, v.sector_size, v.last_lba * v.sector_size)) < 0)
		goto out;
	v.primary = primary;
	v.primary_len = v.backup_len = v.sector_size;
	v.backup = backup;
	/* The entry arrays where each header says they are (only a header that checks out
	 * is trusted to say where). */
	if (gpt_check_header(primary, v.sector_size, 1, v.last_lba, &h, &why) &&
	    (pentries = read_entries(fd, &h, v.sector_size))) {
		v.primary_entries = pentries;
		v.primary_entries_len = h.entries_bytes;
	}
	if (gpt_check_header(backup, v.sector_size, v.last_lba, v.last_lba, &h, &why) &&
	    (bentries = read_entries(fd, &h, v.sector_size))) {
		v.backup_entries = bentries;
		v.backup_entries_len = h.entries_bytes;
	}
	gpt_plan_repair_decide(&v, labels, d);
out:
	free(primary);
	free(backup);
	free(pentries);
	free(bentries);
	close(fd);
	return r;
}

/* Rewrites the GPT of `disk` with libfdisk, which read it from the backup header (both
 * headers and entry arrays, fresh CRCs), and has the kernel re-read it. Returns 0 or
 * -errno. */
static int rewrite_from_backup(const char *disk)
{
	struct fdisk_context *cxt = fdisk_new_context();
	int fd, r;

	if (!cxt)
		return -ENOMEM;
	if ((r = fd = assign_synced(cxt, disk)) >= 0) {
		if (!fdisk_is_labeltype(cxt, FDISK_DISKLABEL_GPT))
			r = -EMEDIUMTYPE;
		else if ((r = fdisk_write_disklabel(cxt)) == 0)
			r = fdisk_deassign_device(cxt, 0); /* fsyncs */
	}
	fdisk_unref_context(cxt);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return r;
	if ((fd = open(disk, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (ioctl(fd, BLKRRPART) < 0)
			log_warning("%s: unable to re-read the partition table: %s, continuing", disk, strerror(errno));
		close(fd);
	}
	return 0;
}

int slot_apply_repair_gpt(const char *label_a, const char *label_b)
{
	static char tried[16][32];
	static size_t n_tried;
	const char *const labels[2] = { label_a, label_b };
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;
	int repaired = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char attr[PATH_MAX], disk[PATH_MAX];
		struct gpt_repair_decision dec;
		bool seen = false;
		int r;

		snprintf(attr, sizeof(attr), "/sys/class/block/%s/partition", e->d_name);
		if (e->d_name[0] == '.' || !strncmp(e->d_name, "loop", 4) || !strncmp(e->d_name, "dm-", 3) ||
		    !strncmp(e->d_name, "ram", 3) || access(attr, F_OK) == 0 || has_partitions(e->d_name))
			continue;
		for (size_t i = 0; i < n_tried; i++)
			seen |= strcmp(tried[i], e->d_name) == 0;
		if (seen || n_tried == sizeof(tried) / sizeof(tried[0]))
			continue;
		snprintf(disk, sizeof(disk), "/dev/%s", e->d_name);
		if (decide_disk(disk, labels, &dec) < 0)
			continue; /* not readable (yet): tried again at the next poll */
		snprintf(tried[n_tried++], sizeof(tried[0]), "%s", e->d_name);
		if (!dec.repair) {
			if (dec.primary_why)
				log_notice("%s: primary GPT header invalid (%s), %s: left alone", disk, dec.primary_why,
					   dec.why_not);
			continue;
		}
		if ((r = rewrite_from_backup(disk)) < 0) {
			log_warning("unable to rewrite the GPT of %s from its backup: %s, continuing", disk, strerror(-r));
			continue;
		}
		log_warning("%s: primary GPT header invalid (%s), backup valid and lists %s and %s: rewritten from the backup",
			    disk, dec.primary_why, label_a, label_b);
		repaired++;
	}
	closedir(d);
	return repaired;
}

int slot_apply_mark_good(const char *partition, struct fault *f)
{
	int r = slot_apply_outcome(partition, SLOT_OUTCOME_GOOD, f);

	if (r == 0)
		return fault_set(f, EPERM, "%s is marked unbootable: not marking it good", partition);
	return r < 0 ? r : 0;
}
