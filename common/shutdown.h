/* How PID 1 ends a boot. The policy's on_failure action, a supervising PID 1's
 * signals and its tree's exit all come down to one shutdown kind, and each kind to one
 * reboot(2) command. */
#ifndef HARDINIT_SHUTDOWN_H
#define HARDINIT_SHUTDOWN_H

/* The policy's on_failure: what PID 1 does after a FATAL line. */
enum failure_action { FAILURE_REBOOT, FAILURE_POWEROFF, FAILURE_HALT, FAILURE_ACTION_COUNT };

enum shutdown_kind { SHUTDOWN_NONE, SHUTDOWN_REBOOT, SHUTDOWN_HALT, SHUTDOWN_POWEROFF };

/* The shutdown that a failure action asks for. */
enum shutdown_kind failure_shutdown(enum failure_action a);

/* "none", "reboot", "halt" or "poweroff". */
const char *shutdown_kind_name(enum shutdown_kind k);

/* The reboot(2) command that carries out a shutdown kind (SHUTDOWN_NONE reboots). */
int shutdown_reboot_command(enum shutdown_kind k);

#endif
