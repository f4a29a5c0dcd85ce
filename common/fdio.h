/* Whole reads and writes at an offset: a pread or pwrite may move fewer bytes than
 * asked, or be interrupted by a signal. */
#ifndef HARDINIT_FDIO_H
#define HARDINIT_FDIO_H

#include <stddef.h>
#include <stdint.h>

/* Reads exactly len bytes at byte offset off. Returns 0, -errno, or -EIO when the file
 * or device ends first. */
int pread_full(int fd, void *buf, size_t len, uint64_t off);

/* Writes exactly len bytes at byte offset off. Returns 0, -errno, or -EIO on a write
 * that moves nothing. */
int pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

#endif
