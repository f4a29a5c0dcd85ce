#include <sys/resource.h>

#include "common/log.h"
#include "init/boot.h"

unsigned boot_elapsed_ms(const struct boot_state *st)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (unsigned)((now.tv_sec - st->start.tv_sec) * 1000 +
			  (now.tv_nsec - st->start.tv_nsec) / 1000000);
}

int boot_run(struct boot_state *st, const struct boot_ops *ops)
{
	for (size_t i = 0; i < st->plan->n_steps; i++) {
		const struct boot_step *step = &st->plan->steps[i];
		struct fault f = { "" };
		unsigned begin = boot_elapsed_ms(st);
		int r = ops->apply(step, st, &f);
		struct rusage ru;

		st->step_ms[i] = boot_elapsed_ms(st) - begin;
		st->steps_done = i + 1;
		if (log_debug_enabled() && getrusage(RUSAGE_SELF, &ru) == 0)
			log_debug("%s: %u ms, peak RSS %ld KiB", step->name, st->step_ms[i], ru.ru_maxrss);
		if (r >= 0)
			continue;
		if (step->fatal) {
			ops->fail(st, step, r, &f);
			return r;
		}
		log_warning("%s: %s, continuing", step->name, f.text);
	}
	return 0;
}
