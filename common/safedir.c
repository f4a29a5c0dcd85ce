#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/openat2.h"
#include "common/safedir.h"

static unsigned quarantined;

#define NOT_EXPECTED "not what was expected there"

unsigned safedir_quarantined(void)
{
	return quarantined;
}

int safedir_move_aside(int parent, const char *name, int quarantine_fd, const char *why, struct fault *f)
{
	struct timespec now;
	char aside[300];

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(aside, sizeof(aside), "%.200s.quarantine-%lld%09ld", name, (long long)now.tv_sec, now.tv_nsec);
	if (renameat(parent, name, quarantine_fd >= 0 ? quarantine_fd : parent, aside) < 0)
		return fault_set(f, errno, "unable to move %s aside: %s", name, strerror(errno));
	quarantined++;
	log_warning("moved %s aside as %s (%s), continuing", name, aside, why);
	return 0;
}

int safedir_ensure(int parent, const char *name, mode_t mode, int quarantine_fd, struct fault *f)
{
	int fd, r;

	for (int attempt = 0; attempt < 3; attempt++) {
		fd = openat2_resolve(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, SAFE_RESOLVE_FLAGS);
		if (fd >= 0)
			return fd;
		if (fd == -ENOENT) {
			if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
				return fault_set(f, errno, "unable to create %s: %s", name, strerror(errno));
			continue;
		}
		/* ELOOP: a symlink; ENOTDIR: a file, device, fifo or socket; EXDEV: a mount. */
		if (fd != -ELOOP && fd != -ENOTDIR)
			return fault_set(f, -fd, "unable to open %s: %s", name, strerror(-fd));
		if ((r = safedir_move_aside(parent, name, quarantine_fd, NOT_EXPECTED, f)) < 0)
			return r;
	}
	return fault_set(f, ELOOP, "unable to make %s a directory", name);
}

int safedir_open_append(int parent, const char *name, mode_t mode, struct fault *f)
{
	struct stat st;
	int fd, r;

	for (int attempt = 0; attempt < 3; attempt++) {
		fd = openat2_resolve(parent, name, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
				     SAFE_RESOLVE_FLAGS);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			(void)fchmod(fd, mode);
			return fd;
		}
		if (fd >= 0)
			close(fd);
		else if (fd != -ELOOP && fd != -EISDIR && fd != -ENXIO && fd != -EACCES)
			return fault_set(f, -fd, "unable to open %s: %s", name, strerror(-fd));
		if ((r = safedir_move_aside(parent, name, -1, NOT_EXPECTED, f)) < 0)
			return r;
	}
	return fault_set(f, ELOOP, "unable to make %s a regular file", name);
}
