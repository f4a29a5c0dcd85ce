#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/seccomp_export.h"

/* Reads what export wrote into a memfd. Returns a malloc'd buffer (NUL-terminated)
 * with *ret_size bytes, or NULL. */
static char *export_to_memory(void *filter, int (*export)(const scmp_filter_ctx, int), size_t *ret_size)
{
	int fd = memfd_create("seccomp", MFD_CLOEXEC);
	char *data = NULL;
	off_t size;

	if (fd < 0)
		return NULL;
	if (export(filter, fd) == 0 && (size = lseek(fd, 0, SEEK_END)) >= 0 &&
	    (data = calloc(1, (size_t)size + 1)) && pread(fd, data, (size_t)size, 0) != size) {
		free(data);
		data = NULL;
	}
	if (data)
		*ret_size = (size_t)size;
	close(fd);
	return data;
}

char *seccomp_export_text(void *filter)
{
	size_t size;

	return export_to_memory(filter, seccomp_export_pfc, &size);
}

int seccomp_export_prog(void *filter, struct sock_fprog *ret)
{
	size_t size = 0;
	char *data = export_to_memory(filter, seccomp_export_bpf, &size);

	if (!data)
		return -ENOMEM;
	if (size == 0 || size % sizeof(struct sock_filter) || size / sizeof(struct sock_filter) > 0xffff) {
		free(data);
		return -EINVAL;
	}
	ret->len = (unsigned short)(size / sizeof(struct sock_filter));
	ret->filter = (struct sock_filter *)(void *)data;
	return 0;
}
