#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <blkid.h>

#include "init/partitions.h"

/* Reads the GPT partition name of one partition device with libblkid (it looks the
 * entry up in the parent disk's table). Returns 0 (label may be empty) or -errno. */
static int read_partlabel(const char *path, char *label, size_t size)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	const char *value = NULL;
	int r = 0;

	if (!pr)
		return -errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 0);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	label[0] = '\0';
	if (blkid_do_safeprobe(pr) < 0)
		r = -EIO;
	else if (blkid_probe_lookup_value(pr, "PART_ENTRY_NAME", &value, NULL) == 0 && value)
		snprintf(label, size, "%s", value);
	blkid_free_probe(pr);
	return r;
}

int devices_scan(struct device_list *ret, struct fault *f)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;

	ret->n = 0;
	if (!d)
		return fault_set(f, errno, "unable to list /sys/class/block: %s", strerror(errno));
	while ((e = readdir(d))) {
		struct block_device *dev;
		char attr[300];
		int r;

		if (e->d_name[0] == '.')
			continue;
		snprintf(attr, sizeof(attr), "/sys/class/block/%s/partition", e->d_name);
		if (access(attr, F_OK) < 0)
			continue;
		if ((r = devices_check_room(ret, f)) < 0) {
			closedir(d);
			return r;
		}
		dev = &ret->devices[ret->n];
		if (snprintf(dev->path, sizeof(dev->path), "/dev/%s", e->d_name) >= (int)sizeof(dev->path))
			continue;
		if (read_partlabel(dev->path, dev->partlabel, sizeof(dev->partlabel)) < 0)
			continue; /* a partition not readable yet: the caller polls again */
		ret->n++;
	}
	closedir(d);
	return (int)ret->n;
}
