/* What is on a block device, as libblkid sees it, and whether it is blank. */
#ifndef HARDINIT_BLOCK_PROBE_H
#define HARDINIT_BLOCK_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#define BLOCK_BLANK_SPAN (1024 * 1024)

/* Finds the type of the superblock on device (ret_type: "" for none, "ambiguous" for
 * several, else libblkid's name: ext4, crypto_LUKS...) and its label (ret_label, "" for
 * none; may be NULL). Returns 0, or -EIO when the device cannot be probed. */
int block_probe(const char *device, char *ret_type, size_t type_size, char *ret_label, size_t label_size);

/* True if the first and the last MiB of device are all zero bytes (and it has at least
 * two). Reads in small chunks: PID 1's peak memory is part of its cost. */
bool block_is_blank(const char *device);

#endif
