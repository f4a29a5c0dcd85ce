#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdisk.h>

#include "common/log.h"
#include "slots/slot_apply.h"

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

/* Opens the GPT of the disk that holds partition. Returns 0 with *ret and the 0-based
 * partition index, or -errno. */
static int open_label(const char *partition, bool writable, struct fdisk_context **ret, size_t *ret_index,
		      struct fault *f)
{
	char disk[PATH_MAX];
	struct fdisk_context *cxt;
	int partno, r;

	if ((r = slot_apply_locate(partition, disk, sizeof(disk), &partno, f)) < 0)
		return r;
	if (!(cxt = fdisk_new_context()))
		return fault_set(f, ENOMEM, "unable to start libfdisk");
	if ((r = fdisk_assign_device(cxt, disk, !writable)) < 0) {
		fdisk_unref_context(cxt);
		return fault_set(f, -r, "unable to open %s: %s", disk, strerror(-r));
	}
	if (!fdisk_is_labeltype(cxt, FDISK_DISKLABEL_GPT)) {
		fdisk_unref_context(cxt);
		return fault_set(f, EMEDIUMTYPE, "%s has no GPT", disk);
	}
	*ret = cxt;
	*ret_index = (size_t)partno - 1;
	return 0;
}

int slot_apply_read(const char *partition, uint64_t *ret_attrs, struct fault *f)
{
	struct fdisk_context *cxt;
	size_t index;
	int r = open_label(partition, false, &cxt, &index, f);

	if (r < 0)
		return r;
	if ((r = fdisk_gpt_get_partition_attrs(cxt, index, ret_attrs)) < 0)
		r = fault_set(f, -r, "unable to read the attributes of %s: %s", partition, strerror(-r));
	fdisk_unref_context(cxt);
	return r;
}

int slot_apply_write(const char *partition, const struct slot_attrs *a, struct fault *f)
{
	struct fdisk_context *cxt;
	uint64_t attrs = 0;
	size_t index;
	int r = open_label(partition, true, &cxt, &index, f);

	if (r < 0)
		return r;
	if ((r = fdisk_gpt_get_partition_attrs(cxt, index, &attrs)) < 0 ||
	    (r = fdisk_gpt_set_partition_attrs(cxt, index, slot_attrs_encode(attrs, a))) < 0 ||
	    (r = fdisk_write_disklabel(cxt)) < 0)
		r = fault_set(f, -r, "unable to write the attributes of %s: %s", partition, strerror(-r));
	else if ((r = fdisk_deassign_device(cxt, 0)) < 0) /* fsyncs and closes */
		r = fault_set(f, -r, "unable to sync the GPT of %s: %s", partition, strerror(-r));
	fdisk_unref_context(cxt);
	return r;
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

int slot_apply_repair_gpt(void)
{
	static char tried[16][32];
	static size_t n_tried;
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;
	int repaired = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char attr[PATH_MAX], disk[PATH_MAX];
		struct fdisk_context *cxt;
		bool seen = false;
		int fd;

		snprintf(attr, sizeof(attr), "/sys/class/block/%s/partition", e->d_name);
		if (e->d_name[0] == '.' || !strncmp(e->d_name, "loop", 4) || !strncmp(e->d_name, "dm-", 3) ||
		    !strncmp(e->d_name, "ram", 3) || access(attr, F_OK) == 0 || has_partitions(e->d_name))
			continue;
		for (size_t i = 0; i < n_tried; i++)
			seen |= strcmp(tried[i], e->d_name) == 0;
		if (seen || n_tried == sizeof(tried) / sizeof(tried[0]))
			continue;
		snprintf(tried[n_tried++], sizeof(tried[0]), "%s", e->d_name);
		snprintf(disk, sizeof(disk), "/dev/%s", e->d_name);
		if (!(cxt = fdisk_new_context()))
			continue;
		if (fdisk_assign_device(cxt, disk, 0) == 0 && fdisk_is_labeltype(cxt, FDISK_DISKLABEL_GPT) &&
		    fdisk_write_disklabel(cxt) == 0 && fdisk_deassign_device(cxt, 0) == 0) {
			log_warning("%s: its primary GPT header was damaged; rewritten from the backup, continuing", disk);
			if ((fd = open(disk, O_RDONLY | O_CLOEXEC)) >= 0) {
				if (ioctl(fd, BLKRRPART) < 0)
					log_warning("%s: unable to re-read the partition table: %s, continuing", disk, strerror(errno));
				close(fd);
			}
			repaired++;
		}
		fdisk_unref_context(cxt);
	}
	closedir(d);
	return repaired;
}

int slot_apply_mark_good(const char *partition, struct fault *f)
{
	uint64_t attrs = 0;
	struct slot_attrs a;
	int r;

	if ((r = slot_apply_read(partition, &attrs, f)) < 0)
		return r;
	slot_attrs_decode(attrs, &a);
	if (a.priority == 0)
		return fault_set(f, EPERM, "%s is marked unbootable: not marking it good", partition);
	a.successful = true;
	a.tries = 0;
	return slot_apply_write(partition, &a, f);
}
