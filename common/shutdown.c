#include <sys/reboot.h>

#include "common/shutdown.h"

enum shutdown_kind failure_shutdown(enum failure_action a)
{
	return a == FAILURE_POWEROFF ? SHUTDOWN_POWEROFF : a == FAILURE_HALT ? SHUTDOWN_HALT : SHUTDOWN_REBOOT;
}

const char *shutdown_kind_name(enum shutdown_kind k)
{
	static const char *const names[] = { "none", "reboot", "halt", "poweroff" };
	return names[k];
}

int shutdown_reboot_command(enum shutdown_kind k)
{
	static const int commands[] = { [SHUTDOWN_NONE] = RB_AUTOBOOT, [SHUTDOWN_REBOOT] = RB_AUTOBOOT,
					[SHUTDOWN_HALT] = RB_HALT_SYSTEM, [SHUTDOWN_POWEROFF] = RB_POWER_OFF };
	return commands[k];
}
