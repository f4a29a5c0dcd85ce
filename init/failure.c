#include <sys/reboot.h>
#include <unistd.h>

#include "common/log.h"
#include "init/failure.h"

void failure_act(enum failure_action action, const char *step, const char *reason)
{
	log_error("FATAL %s: %s", step, reason);
	log_notice("%s now", failure_action_name(action));
	sync();
	(void)reboot(shutdown_reboot_command(failure_shutdown(action))); /* returns only on failure: nothing left to try */
	for (;;)
		pause();
}
