#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "init/modules_ahead.h"
#include "init/modules_apply.h"

enum { CLAIM_FREE, CLAIM_MAIN, CLAIM_CHILD, CLAIM_DONE, CLAIM_FAILED };

/* The child: from the last load-modules step backwards, each step it claims; it stops
 * at the first step PID 1 claimed (PID 1 has every step before it). A step it could not
 * load is marked failed, for PID 1 to load again and report. */
static void __attribute__((noreturn)) run_child(struct modules_ahead *ahead, const struct boot_plan *plan,
						 struct kmod_ctx *ctx)
{
	for (size_t i = plan->n_steps; i-- > 0;) {
		const struct boot_step *step = &plan->steps[i];
		int expect = CLAIM_FREE;

		if (step->kind != STEP_LOAD_MODULES)
			continue;
		if (!atomic_compare_exchange_strong(&ahead->claim[i], &expect, CLAIM_CHILD))
			break;
		bool ok = true;
		for (size_t m = 0; ok && m < step->modules.n; m++) {
			struct fault f = { "" };
			if (modules_load(ctx, step->modules.names[m], &f) < 0) {
				log_debug("ahead: %s, left to the step", f.text);   /* PID 1's step reports it */
				ok = false;
			}
		}
		log_debug("ahead: %s %s", step->name, ok ? "loaded" : "failed");
		atomic_store(&ahead->claim[i], ok ? CLAIM_DONE : CLAIM_FAILED);
	}
	_exit(0);
}

void modules_ahead_start(struct modules_ahead *ahead, const struct boot_plan *plan, struct kmod_ctx *ctx)
{
	size_t steps = 0;
	void *map;
	pid_t pid;

	*ahead = (struct modules_ahead){ 0 };
	for (size_t i = 0; i < plan->n_steps; i++)
		steps += plan->steps[i].kind == STEP_LOAD_MODULES;
	if (steps < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	map = mmap(NULL, plan->n_steps * sizeof(*ahead->claim), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		log_debug("ahead: unable to map the claims: %m");
		return;
	}
	ahead->claim = map;
	ahead->n = plan->n_steps;
	for (size_t i = 0; i < ahead->n; i++)
		atomic_init(&ahead->claim[i], CLAIM_FREE);
	if ((pid = fork()) == 0)
		run_child(ahead, plan, ctx);
	if (pid < 0) {
		log_debug("ahead: unable to fork: %m");
		munmap(map, ahead->n * sizeof(*ahead->claim));
		*ahead = (struct modules_ahead){ 0 };
		return;
	}
	ahead->child = pid;
}

bool modules_ahead_claim(struct modules_ahead *ahead, size_t index)
{
	int expect = CLAIM_FREE;

	if (!ahead->child || index >= ahead->n)
		return true;
	if (atomic_compare_exchange_strong(&ahead->claim[index], &expect, CLAIM_MAIN))
		return true;
	/* The child has it: wait until it is done, or until the child is gone. A step the
	 * child could not load is loaded again here, so that its failure is PID 1's to report. */
	for (;;) {
		int c = atomic_load(&ahead->claim[index]);
		if (c == CLAIM_DONE || c == CLAIM_FAILED)
			return c == CLAIM_FAILED;
		if (waitpid(ahead->child, NULL, WNOHANG) == ahead->child) {
			ahead->child = 0;
			return atomic_load(&ahead->claim[index]) != CLAIM_DONE;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
	}
}

void modules_ahead_finish(struct modules_ahead *ahead)
{
	if (ahead->child) {
		while (waitpid(ahead->child, NULL, 0) < 0 && errno == EINTR)
			;
		ahead->child = 0;
	}
	if (ahead->claim) {
		munmap((void *)ahead->claim, ahead->n * sizeof(*ahead->claim));
		ahead->claim = NULL;
	}
}
