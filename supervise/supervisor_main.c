/* The supervisor that stays PID 1 in supervise mode: hardinit, at the end of its boot,
 * execs this program (embedded in its own binary, supervise/handover_apply.c) with the
 * hand-over's memfd number in argv[1]. Linked statically against libc alone, so that
 * PID 1 maps nothing but this small image for the VM's lifetime: the libraries hardinit
 * needed to boot (libcryptsetup, libcrypto, libnftables, libmount, libfdisk...) are gone
 * with hardinit's image. It composes supervise/, common/ and the pure GPT code of slots/,
 * never init/. The seccomp filter hardinit loaded is kept across the exec. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/log.h"
#include "supervise/handover.h"
#include "supervise/supervise_apply.h"

#define HANDOVER_FAIL_GRACE_MS 2000

/* Reads the hand-over from descriptor `arg` (decimal) and closes it. Returns 0 with
 * *ret, or -errno with f set. */
static int receive(const char *arg, struct supervisor *ret, struct fault *f)
{
	static uint8_t buf[HANDOVER_SIZE + 1];
	size_t n = 0;
	char *end;
	long fd;
	int r;

	errno = 0;
	fd = arg ? strtol(arg, &end, 10) : -1;
	if (!arg || errno || *end || end == arg || fd < 3 || fd > INT_MAX)
		return fault_set(f, EINVAL, "no hand-over descriptor in argv");
	for (;;) {
		ssize_t got = read((int)fd, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got < 0 ? -errno : 0;
			break;
		}
		if ((n += (size_t)got) == sizeof(buf)) {
			r = 0;
			break;
		}
	}
	close((int)fd);
	if (r < 0)
		return fault_set(f, -r, "unable to read the hand-over: %s", strerror(-r));
	return handover_unpack(buf, n, ret, f);
}

/* The program descriptors crossed the exec without O_CLOEXEC: they get it back (the
 * service tree must not inherit them) and must be open. Returns 0 or -EBADF. */
static int keep_programs(const struct supervisor *sv, struct fault *f)
{
	const int fds[] = { sv->exec_program.fd, sv->exec_program.interp_fd, sv->health_program.fd,
			    sv->health_program.interp_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0 && fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0)
			return fault_set(f, errno, "the verified program's descriptor %d is not open: %s", fds[i],
					 strerror(errno));
	return 0;
}

#define STRAYS_MAX 16

/* Descriptors that crossed the hand-over though they should not have. */
struct strays {
	int fd[STRAYS_MAX];
	char target[STRAYS_MAX][96];
	size_t n;
};

/* Closes every descriptor above 2 that is not one of sv's programs: none should have
 * crossed the exec. Runs before the log opens /dev/kmsg; each one closed is noted in
 * *ret (the first STRAYS_MAX) for the log. */
static void close_strays(const struct supervisor *sv, struct strays *ret)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	ret->n = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char link[64];
		int fd = atoi(e->d_name);
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd <= 2 || fd == dirfd(d) ||
		    fd == sv->exec_program.fd || fd == sv->exec_program.interp_fd || fd == sv->health_program.fd ||
		    fd == sv->health_program.interp_fd)
			continue;
		if (ret->n < STRAYS_MAX) {
			char *target = ret->target[ret->n];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			n = readlink(link, target, sizeof(ret->target[0]) - 1);
			target[n > 0 ? n : 0] = '\0';
			ret->fd[ret->n++] = fd;
		}
		close(fd);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	static struct supervisor sv;
	static struct strays strays;
	struct fault f = { "" };

	(void)prctl(PR_SET_NAME, "hardinit-sv", 0, 0, 0);
	if (getpid() != 1) {
		fprintf(stderr, "hardinit-supervise: runs only as PID 1, handed over by hardinit\n");
		return 2;
	}
	if (receive(argc > 1 ? argv[1] : NULL, &sv, &f) < 0 || keep_programs(&sv, &f) < 0) {
		(void)log_open_kmsg();
		log_error("FATAL supervise: %s", f.text);
		supervisor_shutdown(SHUTDOWN_REBOOT, HANDOVER_FAIL_GRACE_MS, "no hand-over");
	}
	close_strays(&sv, &strays);
	(void)log_open_kmsg();
	for (size_t i = 0; i < strays.n; i++)
		log_warning("descriptor %d (%s) crossed the hand-over: closed, continuing", strays.fd[i], strays.target[i]);
	log_info("supervisor: PID 1 handed over (libc only)");
	supervise_run(&sv);
}
