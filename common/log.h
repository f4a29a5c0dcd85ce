/* Logging for apply and main code: one write() per line, to /dev/kmsg once it is
 * open (PID 1), to stderr before that and on a dev host. Every line starts with
 * "hardinit: ". Grammar: "unable to <verb> <object>: <reason>"; non-fatal problems
 * end in ", continuing". */
#ifndef HARDINIT_LOG_H
#define HARDINIT_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Sends further lines to /dev/kmsg. Returns 0 or -errno (lines keep going to stderr). */
int log_open_kmsg(void);
void log_set_debug(bool on);
bool log_debug_enabled(void);

void log_line(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_line(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_line(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_line(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_line(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_line(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
