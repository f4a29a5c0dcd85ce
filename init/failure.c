#include <sys/reboot.h>
#include <unistd.h>

#include "common/log.h"
#include "init/failure.h"

void failure_act(enum failure_action action, const char *step, const char *reason)
{
	static const int commands[FAILURE_ACTION_COUNT] = {
		[FAILURE_REBOOT] = RB_AUTOBOOT,
		[FAILURE_POWEROFF] = RB_POWER_OFF,
		[FAILURE_HALT] = RB_HALT_SYSTEM,
	};

	log_error("FATAL %s: %s", step, reason);
	log_notice("%s now", failure_action_name(action));
	sync();
	(void)reboot(commands[action]); /* returns only on failure: nothing left to try */
	for (;;)
		pause();
}
