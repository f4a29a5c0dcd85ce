#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/safedir.h"
#include "init/boot.h"
#include "init/record.h"

/* Appends line + "\n" to fd in one write, starting a fresh line if the file's last
 * line was torn (a power cut during an earlier append). Returns 0 or -errno. */
static int append_line(int fd, const char *line)
{
	size_t len = strlen(line);
	char *buf = malloc(len + 2);
	struct stat st;
	char last = '\n';
	size_t at = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	if (last != '\n')
		buf[at++] = '\n';
	memcpy(buf + at, line, len);
	at += len;
	buf[at++] = '\n';
	n = write(fd, buf, at);
	free(buf);
	if (n != (ssize_t)at)
		return n < 0 ? -errno : -EIO;
	return fsync(fd) < 0 ? -errno : 0;
}

int boot_write_record(const struct boot_state *st, const char *failed_step, const char *reason,
		      struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct boot_record rec = { 0 };
	char overlays[STATE_PATHS_MAX * STATE_PATH_LEN];
	struct rusage ru;
	char *line;
	int dir = -1, fd = -1, r;

	if (st->logs_fd < 0)
		return fault_set(f, EBADF, "/logs is not mounted");
	state_plan_overlay_list(&plan->state, overlays, sizeof(overlays));
	rec.time = (long long)time(NULL);
	rec.slot = plan_slot_name(plan);
	rec.version = st->footer.version;
	rec.verity = st->verity_state;
	rec.outcome = failed_step ? "failed" : "ready";
	rec.failed_step = failed_step;
	rec.reason = reason;
	rec.data = st->data_state == STORAGE_PERSISTENT ? "persistent" : "degraded";
	rec.data_reason = st->data_state == STORAGE_PERSISTENT ? NULL : st->data_reason;
	rec.data_protection = data_protection_name(st->plan->data_protection);
	rec.data_crypt = st->data_crypt;
	rec.logs = st->logs_state == STORAGE_PERSISTENT ? "persistent" : "volatile";
	rec.overlays = overlays;
	rec.mount_audit = st->audit[0] ? st->audit : "not run";
	rec.firewall = st->firewall_state;
	rec.loader = st->chain.loader[0] ? st->chain.loader : NULL;
	rec.stub = st->chain.stub[0] ? st->chain.stub : NULL;
	rec.boot_image = st->chain.boot_image[0] ? st->chain.boot_image : NULL;
	rec.tpm = st->measure.tpm;
	rec.pcr_bank = st->measure.bank;
	rec.pcr11_enter_initrd = st->measure.pcr11_enter[0] ? st->measure.pcr11_enter : NULL;
	rec.pcr15 = st->measure.pcr15[0] ? st->measure.pcr15 : NULL;
	rec.pcr11_leave_initrd = st->measure.pcr11_leave[0] ? st->measure.pcr11_leave : NULL;
	rec.quarantined = safedir_quarantined();
	rec.init_ms = boot_elapsed_ms(st);
	rec.peak_rss_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
	for (size_t i = 0; i < st->steps_done && i < RECORD_STEPS_MAX; i++) {
		rec.steps[i].name = plan->steps[i].name;
		rec.steps[i].ms = st->step_ms[i];
		rec.n_steps++;
	}
	if (!(line = record_encode(&rec)))
		return fault_set(f, ENOMEM, "unable to encode the boot record");
	if ((dir = safedir_ensure(st->logs_fd, RECORD_DIR, 0750, -1, f)) < 0)
		r = dir;
	else if ((fd = safedir_open_append(dir, RECORD_FILE, 0640, f)) < 0)
		r = fd;
	else if ((r = append_line(fd, line)) < 0 || (fsync(dir) < 0 && (r = -errno)))
		r = fault_set(f, -r, "unable to write /logs/%s/%s: %s", RECORD_DIR, RECORD_FILE, strerror(-r));
	free(line);
	if (fd >= 0)
		close(fd);
	if (dir >= 0)
		close(dir);
	return r;
}
