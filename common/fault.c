#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/fault.h"

int fault_set(struct fault *f, int err, const char *fmt, ...)
{
	if (f) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(f->text, sizeof(f->text), fmt, ap);
		va_end(ap);
	}
	return err == 0 ? -EIO : -abs(err);
}
