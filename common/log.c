#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

static int kmsg_fd = -1;
static bool debug_on;

int log_open_kmsg(void)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	kmsg_fd = fd;
	return 0;
}

void log_set_debug(bool on)
{
	debug_on = on;
}

bool log_debug_enabled(void)
{
	return debug_on;
}

/* Formats "<level>hardinit: message\n" into one buffer and writes it with one
 * write(), so that a line is never split or interleaved. Overlong messages are cut;
 * embedded newlines become spaces so that one call is one line. */
void log_line(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	int head, n;
	va_list ap;

	if (level == LOG_LEVEL_DEBUG && !debug_on)
		return;

	head = kmsg_fd >= 0 ? snprintf(line, sizeof(line), "<%d>hardinit: ", (int)level)
			    : snprintf(line, sizeof(line), "hardinit: ");
	va_start(ap, fmt);
	n = vsnprintf(line + head, sizeof(line) - head - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = head + n;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	while (n > head && line[n - 1] == '\n')
		n--;
	for (int i = head; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	(void)!write(kmsg_fd >= 0 ? kmsg_fd : STDERR_FILENO, line, n); /* nowhere to report */
}
