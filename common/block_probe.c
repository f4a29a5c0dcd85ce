#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <blkid.h>

#include "common/block_probe.h"

int block_probe(const char *device, char *ret_type, size_t type_size, char *ret_label, size_t label_size)
{
	blkid_probe pr = blkid_new_probe_from_filename(device);
	const char *value = NULL;
	int r;

	ret_type[0] = '\0';
	if (ret_label)
		ret_label[0] = '\0';
	if (!pr)
		return -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
	r = blkid_do_safeprobe(pr);
	if (r == -2)
		snprintf(ret_type, type_size, "ambiguous");
	else if (r == 0 && blkid_probe_lookup_value(pr, "TYPE", &value, NULL) == 0)
		snprintf(ret_type, type_size, "%s", value);
	if (r == 0 && ret_label && blkid_probe_lookup_value(pr, "LABEL", &value, NULL) == 0)
		snprintf(ret_label, label_size, "%s", value);
	blkid_free_probe(pr);
	return r == -1 ? -EIO : 0;
}

bool block_is_blank(const char *device)
{
	unsigned char buf[16384];
	uint64_t size = 0;
	bool blank = false;
	int fd = open(device, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (ioctl(fd, BLKGETSIZE64, &size) == 0 && size >= 2 * BLOCK_BLANK_SPAN) {
		blank = true;
		for (int part = 0; part < 2 && blank; part++) {
			off_t start = part ? (off_t)(size - BLOCK_BLANK_SPAN) : 0;
			for (off_t at = start; blank && at < start + BLOCK_BLANK_SPAN; at += (off_t)sizeof(buf)) {
				if (pread(fd, buf, sizeof(buf), at) != (ssize_t)sizeof(buf))
					blank = false;
				for (size_t i = 0; blank && i < sizeof(buf); i++)
					blank = buf[i] == 0;
			}
		}
	}
	close(fd);
	return blank;
}
