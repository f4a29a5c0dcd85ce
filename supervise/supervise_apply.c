#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "slots/gpt_slot_apply.h"
#include "supervise/supervise_apply.h"

#define HEALTH_INTERVAL_MS 2000
#define HEALTH_RUN_MAX_MS 10000  /* a health check that hangs longer is killed */
#define KILL_WAIT_MS 2000        /* after SIGKILL, how long to wait for the last exits */
#define MOUNT_PASSES 8           /* readings of mountinfo at shutdown, each followed by unmounts */
#define EMERGENCY_RO_WAIT_MS 2000 /* the kernel's emergency read-only remount runs in the background */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Starts the verified program (named path in its argv[0]) as a new session on the
 * console, with the signal mask and dispositions a fresh process expects.
 * Returns its pid, or -errno. */
static pid_t start(const struct program *program, const char *path)
{
	char *const argv[] = { (char *)path, NULL };
	sigset_t none;
	pid_t pid = fork();

	if (pid != 0)
		return pid < 0 ? -errno : pid;
	for (int s = 1; s < NSIG; s++)
		(void)signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	(void)program_exec(program, argv, program_env);
	_exit(127);
}

/* Reaps children until none is left or deadline_ms passes. Returns true when none is
 * left. */
static bool reap_until(uint64_t deadline_ms)
{
	for (;;) {
		pid_t pid;
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (pid < 0 && errno == ECHILD)
			return true;
		if (now_ms() >= deadline_ms)
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
}

/* What taking the mounts down did. */
struct unmount_result {
	unsigned unmounted;  /* umount2 calls that succeeded */
	unsigned readonly;   /* mounts still there, remounted read-only */
	unsigned left;       /* mounts still there and writable */
	bool known;          /* false: mountinfo could not be read at the end */
};

/* Unmounts each mount of the plan, in its order. Returns how many came off. */
static unsigned unmount_pass(const struct shutdown_plan *plan)
{
	unsigned n = 0;

	for (size_t i = 0; i < plan->n; i++)
		n += umount2(plan->mounts[i].target, UMOUNT_NOFOLLOW) == 0;
	return n;
}

/* The last resort when mountinfo cannot be read: the kernel's emergency remount
 * (SysRq u) makes every filesystem read-only; it runs in the background, so wait a
 * little for it. */
static void emergency_remount_readonly(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "u", 1) != 1)
		log_warning("shutdown: unable to trigger the emergency read-only remount: %s, continuing", strerror(errno));
	if (fd >= 0)
		close(fd);
	sync();
	nanosleep(&(struct timespec){ .tv_sec = EMERGENCY_RO_WAIT_MS / 1000 }, NULL);
}

/* Takes down every mount but / and the API filesystems: reads /proc/self/mountinfo
 * and unmounts the plan deepest first, again and again while a pass unmounts
 * something (at most MOUNT_PASSES readings), then remounts what is still there
 * read-only. A mountinfo that cannot be read is read again on the next pass; if the
 * last reading fails too, the kernel's emergency remount makes everything read-only.
 * Never uses a partial list. */
static struct unmount_result unmount_all(void)
{
	struct unmount_result res = { 0, 0, 0, false };
	struct shutdown_plan plan = { NULL, 0 };
	struct fault f = { "" };

	for (unsigned pass = 1; pass <= MOUNT_PASSES; pass++) {
		unsigned n;
		shutdown_plan_free(&plan);
		if (shutdown_plan_build("/proc/self/mountinfo", &plan, &f) < 0) {
			log_warning("shutdown: unable to list the mounts (pass %u): %s, continuing", pass, f.text);
			res.known = false;
			continue;
		}
		res.known = true;
		if (plan.n == 0 || pass == MOUNT_PASSES)
			break;
		if ((n = unmount_pass(&plan)) == 0)
			break; /* nothing moved: the plan is what is still mounted */
		res.unmounted += n;
		res.known = false; /* the plan is stale: read mountinfo again */
	}
	if (!res.known) {
		log_warning("shutdown: the mounts are unknown: remounting every filesystem read-only, continuing");
		emergency_remount_readonly();
		shutdown_plan_free(&plan);
		return res;
	}
	/* What is still mounted is busy: read-only, deepest first. */
	for (size_t i = 0; i < plan.n; i++) {
		const char *target = plan.mounts[i].target;
		if (mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0) {
			log_warning("shutdown: %s is busy: remounted read-only, continuing", target);
			res.readonly++;
		} else {
			log_warning("shutdown: unable to unmount or remount read-only %s: %s, continuing", target,
				    strerror(errno));
			res.left++;
		}
	}
	shutdown_plan_free(&plan);
	return res;
}

void supervisor_shutdown(enum shutdown_kind kind, unsigned grace_ms, const char *reason)
{
	struct unmount_result res;
	uint64_t begin = now_ms();

	log_notice("shutdown: %s (%s): stopping every process", shutdown_kind_name(kind), reason);
	(void)kill(-1, SIGTERM);
	(void)kill(-1, SIGCONT);
	if (!reap_until(begin + grace_ms)) {
		log_warning("shutdown: processes still running after %ums: SIGKILL, continuing", grace_ms);
		(void)kill(-1, SIGKILL);
		if (!reap_until(now_ms() + KILL_WAIT_MS))
			log_warning("shutdown: processes still running after SIGKILL, continuing");
	}
	sync();
	res = unmount_all();
	sync();
	if (res.known)
		log_notice("shutdown: %s after %llums: %u unmounted, %u read-only, %u left", shutdown_kind_name(kind),
			   (unsigned long long)(now_ms() - begin), res.unmounted, res.readonly, res.left);
	else
		log_notice("shutdown: %s after %llums: %u unmounted, the rest remounted read-only by the kernel",
			   shutdown_kind_name(kind), (unsigned long long)(now_ms() - begin), res.unmounted);
	(void)reboot(shutdown_reboot_command(kind));
	for (;;)
		pause();
}

struct supervision {
	const struct supervisor *sv;
	pid_t tree;
	pid_t health;
	uint64_t health_started;
	uint64_t next_health;
	uint64_t health_deadline;
	bool healthy;
	struct exit_history exits;
};

static void start_tree(struct supervision *s)
{
	s->tree = start(&s->sv->exec_program, s->sv->exec);
	if (s->tree < 0) {
		log_error("FATAL service: unable to start %s: %s", s->sv->exec, strerror((int)-s->tree));
		supervisor_shutdown(failure_shutdown(s->sv->on_failure), s->sv->shutdown_grace_ms, "no service tree");
	}
	log_info("service tree %s started as pid %d", s->sv->exec, (int)s->tree);
}

/* The service tree's first process ended with wait status `status`: restart it, or
 * shut down, per the policy. */
static void tree_exited(struct supervision *s, int status)
{
	enum shutdown_kind kind;
	char how[64];
	enum exit_decision d;

	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
	s->tree = 0;
	d = exit_decide(&s->exits, now_ms() / 1000, s->sv->on_exit, s->sv->restart_limit, s->sv->restart_window_s, &kind);
	log_notice("service tree exited (%s): %s", how,
		   d == EXIT_DO_RESTART ? "restart" : d == EXIT_DO_SHUTDOWN ? shutdown_kind_name(kind) : "crash loop");
	if (d == EXIT_DO_RESTART) {
		start_tree(s);
		return;
	}
	if (d == EXIT_DO_CRASH_LOOP) {
		log_error("FATAL service: %s exited %u times within %us", s->sv->exec, s->sv->restart_limit + 1,
			  s->sv->restart_window_s);
		kind = failure_shutdown(s->sv->on_failure);
	}
	supervisor_shutdown(kind, s->sv->shutdown_grace_ms, "the service tree exited");
}

/* The health check ended: on success the booted slot is marked good. */
static void health_exited(struct supervision *s, int status)
{
	struct fault f = { "" };

	s->health = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return;
	s->healthy = true;
	if (!s->sv->slot_partition[0]) {
		log_info("health check passed");
	} else if (gpt_slot_apply_mark_good(s->sv->slot_partition, &f) < 0) {
		log_error("health check passed, but the slot could not be marked good: %s", f.text);
	} else {
		log_info("health check passed: slot %s marked good", s->sv->slot_partition);
	}
}

/* Starts, times out or gives up on the health check, as the clock says. */
static void health_tick(struct supervision *s)
{
	uint64_t now = now_ms();

	if (s->healthy || !s->sv->health_check[0])
		return;
	if (s->health > 0 && now - s->health_started >= HEALTH_RUN_MAX_MS)
		(void)kill(s->health, SIGKILL);
	if (now >= s->health_deadline) {
		log_error("FATAL health: %s did not pass within %us", s->sv->health_check, s->sv->health_timeout_s);
		supervisor_shutdown(failure_shutdown(s->sv->on_failure), s->sv->shutdown_grace_ms, "health check failed");
	}
	if (s->health == 0 && now >= s->next_health) {
		s->health = start(&s->sv->health_program, s->sv->health_check);
		if (s->health < 0) {
			log_warning("unable to run %s: %s, continuing", s->sv->health_check, strerror((int)-s->health));
			s->health = 0;
		}
		s->health_started = now;
		s->next_health = now + HEALTH_INTERVAL_MS;
	}
}

static void ignore_signal(int signo)
{
	(void)signo;
}

void supervise_run(const struct supervisor *sv)
{
	static const int handled[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP, SIGQUIT, SIGPWR };
	static struct supervision s;
	sigset_t set;
	int sfd;

	s.sv = sv;
	s.health_deadline = now_ms() + (uint64_t)sv->health_timeout_s * 1000;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++) {
		sigaddset(&set, handled[i]);
		(void)signal(handled[i], ignore_signal); /* PID 1 drops signals left at SIG_DFL */
	}
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		log_error("FATAL supervise: unable to create a signalfd: %s", strerror(errno));
		supervisor_shutdown(failure_shutdown(sv->on_failure), 0, "no signalfd");
	}
	(void)reboot(RB_DISABLE_CAD); /* Ctrl-Alt-Del becomes SIGINT to PID 1 */
	start_tree(&s);
	for (;;) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		int timeout = sv->health_check[0] && !s.healthy ? 200 : -1;
		pid_t pid;
		int status;

		health_tick(&s);
		if (poll(&p, 1, timeout) <= 0 || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			enum shutdown_kind kind = signal_shutdown((int)si.ssi_signo);
			char why[64];
			if (kind == SHUTDOWN_NONE)
				continue;
			snprintf(why, sizeof(why), "%s from pid %u", strsignal((int)si.ssi_signo), si.ssi_pid);
			supervisor_shutdown(kind, sv->shutdown_grace_ms, why);
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == s.tree)
				tree_exited(&s, status);
			else if (pid == s.health)
				health_exited(&s, status);
		}
	}
}
