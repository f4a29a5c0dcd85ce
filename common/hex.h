#ifndef HARDINIT_HEX_H
#define HARDINIT_HEX_H

#include <stddef.h>

/* Decodes a hex string (either case) into out. Returns the byte count, or -EINVAL
 * for an empty or odd-length string, a non-hex character, or more than max bytes. */
int hex_decode(const char *hex, unsigned char *out, size_t max);

/* Encodes n bytes as lowercase hex into out, which holds at least 2n+1 bytes. */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
