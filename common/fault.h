/* A fault: the reason an operation failed, in words, kept beside its -errno.
 * Pure code (parsers, planners) returns -errno and fills a fault; only apply and
 * main code log it. */
#ifndef HARDINIT_FAULT_H
#define HARDINIT_FAULT_H

#include <stddef.h>

struct fault {
	char text[320];
};

/* Formats the reason into f (if f is not NULL). Returns -abs(err), so that callers
 * can write `return fault_set(f, EINVAL, "...")`; an err of 0 (errno after a short
 * write, say) returns -EIO: a fault is never a success. */
int fault_set(struct fault *f, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
