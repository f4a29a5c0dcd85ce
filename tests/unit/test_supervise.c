#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

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

/* The shutdown plan takes down every mount but / and the API filesystems, deepest
 * first (/var/.eflow before /var), the rest in reverse mount order. */
Test(supervise, shutdown_plan)
{
	struct shutdown_plan plan;
	struct fault f = { "" };
	const char *want[] = { "/var/.eflow", "/tmp", "/var", "/root", "/home", "/etc", "/logs" };

	cr_assert_eq(shutdown_plan_build("fixtures/mountinfo-good", &plan, &f), 0, "%s", f.text);
	cr_assert_eq(plan.n, sizeof(want) / sizeof(want[0]), "%zu targets", plan.n);
	for (size_t i = 0; i < plan.n; i++) {
		cr_assert_neq(strcmp(plan.targets[i], "/"), 0);
		cr_assert_neq(strncmp(plan.targets[i], "/proc", 5), 0);
		cr_assert_neq(strncmp(plan.targets[i], "/dev", 4), 0);
	}
	for (size_t i = 0; i < plan.n; i++)
		cr_assert_str_eq(plan.targets[i], want[i], "target %zu", i);
}

/* A missing mountinfo file is an error, not an empty plan. */
Test(supervise, shutdown_plan_unreadable)
{
	struct shutdown_plan plan;
	struct fault f = { "" };

	cr_assert_lt(shutdown_plan_build("fixtures/no-such-mountinfo", &plan, &f), 0);
}
