#ifndef HARDINIT_TEXTFILE_H
#define HARDINIT_TEXTFILE_H

#include <stddef.h>

/* Reads a small text file (/proc, /sys, a policy-sized file) into buf, NUL-terminated;
 * what does not fit size - 1 bytes is cut off. Returns 0 or -errno. */
int textfile_read(const char *path, char *buf, size_t size);

/* Writes value to a small kernel file (/proc/sys, securityfs) in one write(2).
 * Returns 0 or -errno. */
int textfile_write(const char *path, const char *value);

#endif
