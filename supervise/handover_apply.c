#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "supervise/handover.h"
#include "supervise/handover_apply.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* The supervisor's image and its size in bytes, from supervise/supervisor_blob.S. */
extern const uint8_t hardinit_supervisor_start[];
extern const uint64_t hardinit_supervisor_size;

#define SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* A memfd named `name` holding the n bytes at data, sealed. Kernels from 6.3 on are
 * asked for an executable memfd explicitly (MFD_EXEC), older ones refuse the flag and
 * make every memfd executable. Returns the descriptor or -errno. */
static int sealed_memfd(const char *name, unsigned flags, const void *data, size_t n)
{
	int fd = memfd_create(name, flags | MFD_ALLOW_SEALING | MFD_EXEC), r = 0;
	size_t done = 0;

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, flags | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (done < n && r == 0) {
		ssize_t w = write(fd, (const uint8_t *)data + done, n - done);
		if (w < 0 && errno != EINTR)
			r = -errno;
		else if (w > 0)
			done += (size_t)w;
	}
	if (r == 0 && (fcntl(fd, F_ADD_SEALS, SEALS) < 0 || lseek(fd, 0, SEEK_SET) < 0))
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* Sets or clears O_CLOEXEC on a descriptor (none for -1). Returns 0 or -errno. */
static int set_cloexec(int fd, bool on)
{
	if (fd < 0)
		return 0;
	return fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0) < 0 ? -errno : 0;
}

static void set_programs_cloexec(const struct supervisor *sv, bool on)
{
	(void)set_cloexec(sv->exec_program.fd, on);
	(void)set_cloexec(sv->exec_program.interp_fd, on);
	(void)set_cloexec(sv->health_program.fd, on);
	(void)set_cloexec(sv->health_program.interp_fd, on);
}

int supervise_handover(const struct supervisor *sv, struct fault *f)
{
	static uint8_t state[HANDOVER_SIZE];
	static char *const envp[] = { NULL };
	char fdnum[16];
	char *argv[] = { "hardinit-supervise", fdnum, NULL };
	int bin, st, r;

	handover_pack(sv, state);
	bin = sealed_memfd("hardinit-supervise", MFD_CLOEXEC, hardinit_supervisor_start,
			   (size_t)hardinit_supervisor_size);
	if (bin < 0)
		return fault_set(f, -bin, "unable to put the supervisor in a sealed memfd: %s", strerror(-bin));
	if ((st = sealed_memfd("hardinit-supervise-state", 0, state, sizeof(state))) < 0) {
		close(bin);
		return fault_set(f, -st, "unable to put the hand-over in a sealed memfd: %s", strerror(-st));
	}
	snprintf(fdnum, sizeof(fdnum), "%d", st);
	set_programs_cloexec(sv, false);
	execveat(bin, "", argv, envp, AT_EMPTY_PATH);
	r = -errno;
	set_programs_cloexec(sv, true);
	close(st);
	close(bin);
	return fault_set(f, r, "unable to execute the supervisor: %s", strerror(-r));
}
