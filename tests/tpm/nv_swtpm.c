/* nv-swtpm STATEDIR [RECORD]: the data marker's TPM side (tpm/data_marker_apply.c, through
 * tpm/tpm_apply.c's transport, unchanged) against a real TPM 2.0 emulator on the host:
 * swtpm in chardev mode on a socket pair, started on the empty directory STATEDIR,
 * killed and started again on it to stand for a power cut and the next boot. Each
 * command hardinit writes goes through a relay (a child process) that logs it and the
 * TPM's response, in hex, to RECORD when given (the unit tests' exchanges come from
 * there). The kernel's /dev/tpmrm0 takes one command per write and gives one response
 * per read: the SOCK_SEQPACKET pair keeps those boundaries.
 * Prints one line per check (its result and the fault text) and "N passed, N failed";
 * exits 1 if any failed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/hex.h"
#include "tpm/data_marker_apply.h"
#include "tpm/tpm_apply.h"

static int passed, failed, record_fd = -1;
static struct fault f;
static pid_t swtpm_pid = -1, relay_pid = -1;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ok ? passed++ : failed++;
	f.text[0] = '\0';
}

/* Appends a line to RECORD (one write: the relay appends too). */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (record_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(line) - 1) {
		line[n] = '\n';
		if (write(record_fd, line, (size_t)n + 1) < 0)
			perror("record");
	}
}

static void record_bytes(const char *what, const uint8_t *b, ssize_t n)
{
	char hex[2 * TPM2_BUFFER_MAX + 1];

	hex_encode(b, (size_t)n, hex);
	note("%s %zd %s", what, n, hex);
}

/* The relay: each packet from hardinit's end to the TPM and back, logged. */
static void relay(int hardinit_end, int tpm_end)
{
	uint8_t buf[TPM2_BUFFER_MAX];
	ssize_t n;

	while ((n = read(hardinit_end, buf, sizeof(buf))) > 0) {
		record_bytes("cmd", buf, n);
		if (write(tpm_end, buf, (size_t)n) != n)
			_exit(1);
		if ((n = read(tpm_end, buf, sizeof(buf))) <= 0)
			_exit(1);
		record_bytes("rsp", buf, n);
		if (write(hardinit_end, buf, (size_t)n) != n)
			_exit(1);
	}
	_exit(0);
}

/* Starts swtpm on dir and the relay. Returns hardinit's descriptor, or exits. */
static int start_tpm(const char *dir)
{
	int tpm[2], hi[2];
	char state[1024];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tpm) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, hi) < 0) {
		perror("socketpair");
		exit(2);
	}
	snprintf(state, sizeof(state), "dir=%s", dir);
	if ((swtpm_pid = fork()) == 0) {
		if (dup2(tpm[1], 3) < 0)
			_exit(127);
		execlp("swtpm", "swtpm", "chardev", "--tpm2", "--fd", "3", "--tpmstate", state, "--flags",
		       "not-need-init,startup-clear", (char *)NULL);
		perror("swtpm");
		_exit(127);
	}
	if ((relay_pid = fork()) == 0) {
		close(hi[0]);
		relay(hi[1], tpm[0]);
	}
	close(tpm[0]);
	close(tpm[1]);
	close(hi[1]);
	return hi[0];
}

/* A power cut: SIGKILL swtpm (no TPM2_Shutdown, nothing flushed on the way out). */
static void cut_tpm(int fd)
{
	close(fd);
	kill(swtpm_pid, SIGKILL);
	waitpid(swtpm_pid, NULL, 0);
	waitpid(relay_pid, NULL, 0);
}

static struct data_marker marker(enum data_marker_state state, uint8_t first)
{
	struct data_marker m = { .state = state };

	if (first)
		for (int i = 0; i < DATA_MARKER_KEY_SIZE; i++)
			m.key[i] = (uint8_t)(first + i);
	return m;
}

static int same(const struct data_marker *a, const struct data_marker *b)
{
	return a->state == b->state && memcmp(a->key, b->key, DATA_MARKER_KEY_SIZE) == 0;
}

int main(int argc, char **argv)
{
	const uint32_t h = DATA_MARKER_HANDLE, other = h + 1, foreign = h + 2, unwritten = h + 3, junk = h + 4;
	struct data_marker m, formatting = marker(DATA_MARKER_FORMATTING, 0x01),
		migrating = marker(DATA_MARKER_MIGRATING, 0xa0), sealed = marker(DATA_MARKER_SEALED, 0);
	struct tpm2_nv_public pub;
	uint8_t bytes[DATA_MARKER_SIZE];
	int fd, r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: nv-swtpm STATEDIR [RECORD]\n");
		return 2;
	}
	if (argc == 3 && (record_fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		perror(argv[2]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = start_tpm(argv[1]);

	note("# read, fresh TPM");
	r = data_marker_read(fd, h, &m, &f);
	check(r == -ENOENT, "a fresh TPM has no marker (%d: %s)", r, f.text);
	note("# lock, nothing defined");
	r = data_marker_lock(fd, h, &f);
	check(r == 0, "locking when nothing is defined does nothing (%d: %s)", r, f.text);

	note("# write formatting (define, write)");
	r = data_marker_write(fd, h, &formatting, &f);
	check(r == 0, "write FORMATTING defines the index and writes it (%d: %s)", r, f.text);
	note("# read formatting");
	r = data_marker_read(fd, h, &m, &f);
	check(r == 0 && same(&m, &formatting), "read back FORMATTING with its key (%d: %s)", r, f.text);

	note("# define twice");
	data_marker_public(h, &pub);
	r = tpm_apply_nv_define(fd, &pub, &f);
	check(r == -EEXIST && strstr(f.text, "0x14c"), "defining it again: TPM_RC_NV_DEFINED (%d: %s)", r, f.text);

	note("# write migrating");
	r = data_marker_write(fd, h, &migrating, &f);
	check(r == 0, "write MIGRATING over it (%d: %s)", r, f.text);
	r = data_marker_read(fd, h, &m, &f);
	check(r == 0 && same(&m, &migrating), "read back MIGRATING with its key (%d: %s)", r, f.text);
	note("# write sealed");
	r = data_marker_write(fd, h, &sealed, &f);
	check(r == 0, "write SEALED (%d: %s)", r, f.text);
	r = data_marker_read(fd, h, &m, &f);
	check(r == 0 && same(&m, &sealed), "read back SEALED, the key zero (%d: %s)", r, f.text);
	r = data_marker_write(fd, h, &(struct data_marker){ .state = DATA_MARKER_SEALED, .key = { 1 } }, &f);
	check(r == -EINVAL, "SEALED with a key is refused before the TPM sees it (%d: %s)", r, f.text);

	note("# undefined index: read public, read, write");
	r = tpm_apply_nv_read_public(fd, other, &pub, &f);
	check(r == -ENOENT, "NV_ReadPublic of an undefined index: TPM_RC_HANDLE (%d: %s)", r, f.text);
	r = tpm_apply_nv_read(fd, other, bytes, sizeof(bytes), &f);
	check(r == -ENOENT, "NV_Read of an undefined index: TPM_RC_HANDLE (%d: %s)", r, f.text);
	r = tpm_apply_nv_write(fd, other, bytes, sizeof(bytes), &f);
	check(r == -ENOENT, "NV_Write of an undefined index: TPM_RC_HANDLE (%d: %s)", r, f.text);

	note("# a foreign index: no READ_STCLEAR");
	data_marker_public(foreign, &pub);
	pub.attributes &= ~TPM2_NV_READ_STCLEAR;
	r = tpm_apply_nv_define(fd, &pub, &f);
	check(r == 0, "define an index of 44 bytes without READ_STCLEAR at 0x%08x (%d: %s)", foreign, r, f.text);
	r = data_marker_read(fd, foreign, &m, &f);
	check(r == -EEXIST, "reading it as a marker: not hardinit's (%d: %s)", r, f.text);
	r = data_marker_write(fd, foreign, &formatting, &f);
	check(r == -EEXIST, "writing a marker to it: refused, not overwritten (%d: %s)", r, f.text);

	note("# defined, never written");
	data_marker_public(unwritten, &pub);
	r = tpm_apply_nv_define(fd, &pub, &f);
	check(r == 0, "define hardinit's index at 0x%08x, no write (a power cut after the definition) (%d: %s)", unwritten,
	      r, f.text);
	r = data_marker_read(fd, unwritten, &m, &f);
	check(r == -ENOENT && strstr(f.text, "never written"), "defined but never written: no marker (%d: %s)", r,
	      f.text);
	note("# NV_Read of an index never written");
	r = tpm_apply_nv_read(fd, unwritten, bytes, sizeof(bytes), &f);
	check(r == -ENODATA, "NV_Read of it: TPM_RC_NV_UNINITIALIZED (%d: %s)", r, f.text);

	note("# hardinit's attributes, foreign bytes");
	data_marker_public(junk, &pub);
	r = tpm_apply_nv_define(fd, &pub, &f);
	memset(bytes, 0x5a, sizeof(bytes));
	if (r == 0)
		r = tpm_apply_nv_write(fd, junk, bytes, sizeof(bytes), &f);
	check(r == 0, "define and fill 0x%08x with other bytes (%d: %s)", junk, r, f.text);
	r = data_marker_read(fd, junk, &m, &f);
	check(r == -EBADMSG, "not a marker: refused (%d: %s)", r, f.text);

	note("# lock");
	r = data_marker_lock(fd, h, &f);
	check(r == 0, "read-lock the marker (%d: %s)", r, f.text);
	note("# read, locked");
	r = data_marker_read(fd, h, &m, &f);
	check(r == -EACCES && strstr(f.text, "0x148"), "read-locked: TPM_RC_NV_LOCKED (%d: %s)", r, f.text);
	note("# read public, locked");
	r = tpm_apply_nv_read_public(fd, h, &pub, &f);
	check(r == 0 && (pub.attributes & TPM2_NV_READLOCKED) && data_marker_check_public(&pub, h, &f) == 0,
	      "its public area says READLOCKED and is still hardinit's (%d: %s)", r, f.text);
	r = data_marker_write(fd, h, &formatting, &f);
	check(r == 0, "written while read-locked (%d: %s)", r, f.text);

	cut_tpm(fd);
	fd = start_tpm(argv[1]);
	note("# after a power cut: read");
	r = data_marker_read(fd, h, &m, &f);
	check(r == 0 && same(&m, &formatting), "after a power cut and a TPM Startup(CLEAR): unlocked, FORMATTING with its "
	      "key (%d: %s)", r, f.text);
	r = data_marker_read(fd, unwritten, &m, &f);
	check(r == -ENOENT, "the index never written: still no marker (%d: %s)", r, f.text);
	r = data_marker_write(fd, h, &sealed, &f);
	cut_tpm(fd);
	fd = start_tpm(argv[1]);
	if (r == 0)
		r = data_marker_read(fd, h, &m, &f);
	check(r == 0 && same(&m, &sealed), "SEALED written, power cut at once: SEALED (%d: %s)", r, f.text);

	cut_tpm(fd);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
