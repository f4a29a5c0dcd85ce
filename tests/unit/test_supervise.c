#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervise/supervise_plan.h"

/* The signal map is busybox init's: TERM and INT (Ctrl-Alt-Del) reboot, USR1 halts,
 * USR2 powers off; anything else (HUP, QUIT, CHLD, PWR) is no shutdown. */
Test(supervise, signal_map)
{
	cr_assert_eq(signal_shutdown(SIGTERM), SHUTDOWN_REBOOT);
	cr_assert_eq(signal_shutdown(SIGINT), SHUTDOWN_REBOOT);
	cr_assert_eq(signal_shutdown(SIGUSR1), SHUTDOWN_HALT);
	cr_assert_eq(signal_shutdown(SIGUSR2), SHUTDOWN_POWEROFF);
	cr_assert_eq(signal_shutdown(SIGHUP), SHUTDOWN_NONE);
	cr_assert_eq(signal_shutdown(SIGQUIT), SHUTDOWN_NONE);
	cr_assert_eq(signal_shutdown(SIGCHLD), SHUTDOWN_NONE);
	cr_assert_eq(signal_shutdown(SIGPWR), SHUTDOWN_NONE);
	cr_assert_eq(failure_shutdown(FAILURE_REBOOT), SHUTDOWN_REBOOT);
	cr_assert_eq(failure_shutdown(FAILURE_POWEROFF), SHUTDOWN_POWEROFF);
	cr_assert_eq(failure_shutdown(FAILURE_HALT), SHUTDOWN_HALT);
}

/* on_exit = reboot | poweroff: the first exit shuts down, the way the policy says. */
Test(supervise, exit_shuts_down)
{
	struct exit_history h = { .n = 0 };
	enum shutdown_kind k;

	cr_assert_eq(exit_decide(&h, 10, EXIT_REBOOT, 5, 60, &k), EXIT_DO_SHUTDOWN);
	cr_assert_eq(k, SHUTDOWN_REBOOT);
	cr_assert_eq(exit_decide(&h, 10, EXIT_POWEROFF, 5, 60, &k), EXIT_DO_SHUTDOWN);
	cr_assert_eq(k, SHUTDOWN_POWEROFF);
}

/* on_exit = restart with limit 2 in 60 s: two exits restart, the third within the
 * window is a crash loop; exits that have left the window no longer count. */
Test(supervise, crash_loop_bound)
{
	struct exit_history h = { .n = 0 };
	enum shutdown_kind k;

	cr_assert_eq(exit_decide(&h, 100, EXIT_RESTART, 2, 60, &k), EXIT_DO_RESTART);
	cr_assert_eq(exit_decide(&h, 101, EXIT_RESTART, 2, 60, &k), EXIT_DO_RESTART);
	cr_assert_eq(exit_decide(&h, 102, EXIT_RESTART, 2, 60, &k), EXIT_DO_CRASH_LOOP);

	h.n = 0;
	cr_assert_eq(exit_decide(&h, 100, EXIT_RESTART, 2, 60, &k), EXIT_DO_RESTART);
	cr_assert_eq(exit_decide(&h, 130, EXIT_RESTART, 2, 60, &k), EXIT_DO_RESTART);
	/* 100 is 60 s old at 160: out of the window, so only 130 and 160 count. */
	cr_assert_eq(exit_decide(&h, 160, EXIT_RESTART, 2, 60, &k), EXIT_DO_RESTART);
	cr_assert_eq(exit_decide(&h, 161, EXIT_RESTART, 2, 60, &k), EXIT_DO_CRASH_LOOP);

	/* A tree that exits once a minute forever is not a crash loop. */
	h.n = 0;
	for (uint64_t t = 0; t < 100 * 61; t += 61)
		cr_assert_eq(exit_decide(&h, t, EXIT_RESTART, 1, 60, &k), EXIT_DO_RESTART, "at %llu", (unsigned long long)t);
}

/* The crash-loop count is the exits within the window, at the largest limit: 101
 * exits 35 s apart span 3500 s < 3600 s, so the 101st is a crash loop; 36 s apart the
 * oldest has always left the window, so a thousand of them never are (and neither are
 * exits spread wider than the window). 1000 exits in one second keep the history
 * within EXIT_HISTORY_MAX: a crash loop from the 101st on, nothing written past it. */
Test(supervise, history_bounded)
{
	struct {
		struct exit_history h;
		uint64_t guard[4];
	} g;
	enum shutdown_kind k;

	memset(&g, 0xa5, sizeof(g));
	g.h.n = 0;
	for (uint64_t i = 0; i < 1000; i++)
		cr_assert_eq(exit_decide(&g.h, 1000 + i * 35, EXIT_RESTART, 100, 3600, &k),
			     i < 100 ? EXIT_DO_RESTART : EXIT_DO_CRASH_LOOP, "exit %llu, 35 s apart", (unsigned long long)i);

	g.h.n = 0;
	for (uint64_t i = 0; i < 1000; i++)
		cr_assert_eq(exit_decide(&g.h, 1000 + i * 36, EXIT_RESTART, 100, 3600, &k), EXIT_DO_RESTART,
			     "exit %llu, 36 s apart", (unsigned long long)i);

	g.h.n = 0;
	for (uint64_t i = 0; i < 1000; i++)
		cr_assert_eq(exit_decide(&g.h, 1000 + i * 3601, EXIT_RESTART, 100, 3600, &k), EXIT_DO_RESTART,
			     "exit %llu, 3601 s apart", (unsigned long long)i);

	g.h.n = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		cr_assert_eq(exit_decide(&g.h, 5, EXIT_RESTART, 100, 3600, &k),
			     i < 100 ? EXIT_DO_RESTART : EXIT_DO_CRASH_LOOP, "exit %llu in one second", (unsigned long long)i);
		cr_assert_leq(g.h.n, EXIT_HISTORY_MAX);
	}
	for (size_t i = 0; i < sizeof(g.guard) / sizeof(g.guard[0]); i++)
		cr_assert_eq(g.guard[i], 0xa5a5a5a5a5a5a5a5ULL, "written past the history");
}

/* The shutdown plan takes down every mount but / and the API filesystems, each before
 * the mount it sits on (/var/.eflow before /var), the later of two on one mount first. */
Test(supervise, shutdown_plan)
{
	struct shutdown_plan plan;
	struct fault f = { "" };
	const char *want[] = { "/tmp", "/var/.eflow", "/var", "/root", "/home", "/etc", "/logs" };

	cr_assert_eq(shutdown_plan_build("fixtures/mountinfo-good", &plan, &f), 0, "%s", f.text);
	cr_assert_eq(plan.n, sizeof(want) / sizeof(want[0]), "%zu targets", plan.n);
	for (size_t i = 0; i < plan.n; i++)
		cr_assert_str_eq(plan.mounts[i].target, want[i], "target %zu", i);
	shutdown_plan_free(&plan);
	cr_assert_eq(plan.n, 0);
}

/* A missing mountinfo file is an error, not an empty plan. */
Test(supervise, shutdown_plan_unreadable)
{
	struct shutdown_plan plan;
	struct fault f = { "" };

	cr_assert_lt(shutdown_plan_build("fixtures/no-such-mountinfo", &plan, &f), 0);
	cr_assert_eq(plan.n, 0);
}

#define MANY_MOUNTS 500

/* A container host's mount table, as the many-mounts test writes it. */
struct many_mounts {
	char *target[MANY_MOUNTS];
	int id[MANY_MOUNTS];
	int parent[MANY_MOUNTS]; /* index of the mount it sits on, -1 for / */
	bool excluded[MANY_MOUNTS];
	size_t n;
};

static size_t many_add(struct many_mounts *m, int parent, bool excluded, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t many_add(struct many_mounts *m, int parent, bool excluded, const char *fmt, ...)
{
	va_list ap;
	size_t i = m->n++;

	cr_assert_lt(i, MANY_MOUNTS);
	va_start(ap, fmt);
	cr_assert_geq(vasprintf(&m->target[i], fmt, ap), 0);
	va_end(ap);
	m->id[i] = 100 + (int)((i * 37) % 600); /* unique, and not in mount order */
	m->parent[i] = parent;
	m->excluded[i] = excluded;
	return i;
}

/* Is mount d mounted (directly or not) on mount a? */
static bool many_below(const struct many_mounts *m, size_t d, size_t a)
{
	for (int p = m->parent[d]; p >= 0; p = m->parent[p])
		if ((size_t)p == a)
			return true;
	return false;
}

/* Is `top` a path at or above `path`? */
static bool path_covers(const char *top, const char *path)
{
	size_t n = strlen(top);
	return strcmp(top, "/") == 0 || (strncmp(top, path, n) == 0 && (path[n] == '\0' || path[n] == '/'));
}

/* 500 mounts, most of them with 300-character targets: a 30-deep chain, 400 mounts on
 * one mount, a mount that covers an earlier one's parent directory, a mount over the
 * same target (with mounts on it), one moved onto that (so before it in mountinfo),
 * and ten under /, /proc, /sys, /dev and /run (one 300 characters long) beside
 * /running and /dev-data, which are not API paths. The plan holds all 490 others,
 * each once, each before the mount it sits on and after any later mount over its path
 * that it does not sit on (or it could not be reached to unmount it). */
Test(supervise, shutdown_plan_many_long)
{
	static struct many_mounts m;
	char base[301], path[] = "/tmp/hardinit-mountinfo-XXXXXX", chain[400];
	struct shutdown_plan plan;
	struct fault f = { "" };
	size_t root, logs, mv, x, p, y, pos[MANY_MOUNTS], in_plan = 0;
	int fd;
	FILE *out;

	memset(&m, 0, sizeof(m));
	strcpy(base, "/logs");
	for (int c = 0; c < 5; c++) {
		strcat(base, "/");
		memset(base + strlen(base) + 58, 0, 1);
		memset(base + strlen(base), 'a' + c, 58);
	}
	cr_assert_eq(strlen(base), 300);
	root = many_add(&m, -1, true, "/");
	many_add(&m, (int)root, true, "/proc");
	many_add(&m, (int)root, true, "/sys");
	many_add(&m, (int)root, true, "/dev");
	many_add(&m, (int)root, true, "/run");
	many_add(&m, 1, true, "/proc/sys/fs/binfmt_misc");
	many_add(&m, 2, true, "/sys/kernel/security");
	many_add(&m, 3, true, "/dev/pts");
	many_add(&m, 3, true, "/dev/shm");
	many_add(&m, 4, true, "/run/%.294s", base);
	logs = many_add(&m, (int)root, false, "/logs");
	many_add(&m, (int)root, false, "/running");
	many_add(&m, (int)root, false, "/dev-data");
	many_add(&m, (int)many_add(&m, (int)root, false, "/var"), false, "/var/.eflow");
	mv = many_add(&m, -1, false, "%s/moved", base); /* moved onto y (below) later */
	x = many_add(&m, (int)logs, false, "%s", base);
	strcpy(chain, base);
	for (int c = 0, parent = (int)x; c < 30; c++) {
		strcat(chain, "/c");
		parent = (int)many_add(&m, parent, false, "%s", chain);
	}
	for (int s = 0; s < 400; s++)
		many_add(&m, (int)x, false, "%s/s%03d", base, s);
	p = many_add(&m, (int)x, false, "%s/p", base);
	many_add(&m, (int)p, false, "%s/p/b/c", base);
	many_add(&m, (int)p, false, "%s/p/b", base); /* covers the one before */
	y = many_add(&m, (int)x, false, "%s", base); /* over x, hiding all the above */
	m.parent[mv] = (int)y;
	while (m.n < MANY_MOUNTS)
		many_add(&m, (int)y, false, "%s/t%03zu", base, m.n);

	cr_assert_geq(fd = mkstemp(path), 0);
	cr_assert_not_null(out = fdopen(fd, "w"));
	for (size_t i = 0; i < m.n; i++)
		fprintf(out, "%d %d 0:%zu / %s rw,relatime shared:%zu - tmpfs tmpfs rw,size=1024k\n", m.id[i],
			m.parent[i] < 0 ? 1 : m.id[m.parent[i]], 40 + i, m.target[i], i + 1);
	cr_assert_eq(fclose(out), 0);
	cr_assert_eq(shutdown_plan_build(path, &plan, &f), 0, "%s", f.text);
	unlink(path);

	for (size_t i = 0; i < m.n; i++) {
		pos[i] = SIZE_MAX;
		for (size_t j = 0; j < plan.n; j++) {
			if (plan.mounts[j].id != m.id[i])
				continue;
			cr_assert_eq(pos[i], SIZE_MAX, "%s is in the plan twice", m.target[i]);
			cr_assert_str_eq(plan.mounts[j].target, m.target[i]);
			pos[i] = j;
		}
		if (m.excluded[i]) {
			cr_assert_eq(pos[i], SIZE_MAX, "%s is in the plan", m.target[i]);
			continue;
		}
		cr_assert_neq(pos[i], SIZE_MAX, "%s (mount %d) is not in the plan", m.target[i], m.id[i]);
		in_plan++;
	}
	cr_assert_eq(in_plan, MANY_MOUNTS - 10);
	cr_assert_eq(plan.n, in_plan, "%zu targets in the plan", plan.n);
	for (size_t i = 0; i < m.n; i++) {
		if (m.excluded[i])
			continue;
		if (m.parent[i] >= 0 && !m.excluded[m.parent[i]])
			cr_assert_lt(pos[i], pos[m.parent[i]], "%s (mount %d) after %s (mount %d), the mount it sits on",
				     m.target[i], m.id[i], m.target[m.parent[i]], m.id[m.parent[i]]);
		for (size_t later = i + 1; later < m.n; later++)
			if (!m.excluded[later] && path_covers(m.target[later], m.target[i]) && !many_below(&m, i, later))
				cr_assert_lt(pos[later], pos[i], "%s (mount %d) before %s (mount %d), mounted over it later",
					     m.target[i], m.id[i], m.target[later], m.id[later]);
	}
	/* The overmount and the mount it hides, in that order, its mounts before it. */
	cr_assert_str_eq(m.target[y], m.target[x]);
	cr_assert_lt(pos[y], pos[x]);
	cr_assert_lt(pos[MANY_MOUNTS - 1], pos[y]);
	shutdown_plan_free(&plan);
	for (size_t i = 0; i < m.n; i++)
		free(m.target[i]);
}

/* shutdown_plan_parse (not libmount): targets with the kernel's escapes come out
 * decoded; a text without a final newline is whole; one line that does not parse fails
 * the whole text (never a partial list). */
Test(supervise, shutdown_plan_text)
{
	char good[] = "22 1 254:0 / / ro - erofs /dev/mapper/root ro\n"
		      "27 22 254:7 / /logs rw - ext4 /dev/vda7 rw\n"
		      "40 27 0:40 / /logs/a\\040b\\134c rw - tmpfs t rw\n"
		      "41 22 0:41 / /tmp rw - tmpfs t rw";
	char bad[] = "22 1 254:0 / / ro - erofs /dev/mapper/root ro\n"
		     "27 22 254:7 / /logs rw - ext4 /dev/vda7 rw\n"
		     "40 27 0:40 / /logs/a\\04 rw - tmpfs t rw\n";
	char nul[] = "22 1 254:0 / / ro - erofs r ro\n27 22 254:7 / /lo\0gs rw - ext4 x rw\n";
	char empty[1] = "";
	struct shutdown_plan plan;
	struct fault f = { "" };

	cr_assert_eq(shutdown_plan_parse(good, strlen(good), &plan, &f), 0, "%s", f.text);
	cr_assert_eq(plan.n, 3);
	cr_assert_str_eq(plan.mounts[0].target, "/tmp");
	cr_assert_str_eq(plan.mounts[1].target, "/logs/a b\\c");
	cr_assert_str_eq(plan.mounts[2].target, "/logs");
	cr_assert_eq(plan.mounts[1].id, 40);
	cr_assert_eq(plan.mounts[1].parent_id, 27);
	shutdown_plan_free(&plan);
	cr_assert_eq(shutdown_plan_parse(bad, strlen(bad), &plan, &f), -EINVAL);
	cr_assert_eq(plan.n, 0);
	cr_assert_eq(shutdown_plan_parse(nul, sizeof(nul) - 1, &plan, &f), -EINVAL);
	cr_assert_eq(shutdown_plan_parse(empty, 0, &plan, &f), 0);
	cr_assert_eq(plan.n, 0);
	shutdown_plan_free(&plan);
}
