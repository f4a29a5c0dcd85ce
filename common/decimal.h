#ifndef HARDINIT_DECIMAL_H
#define HARDINIT_DECIMAL_H

#include <stdint.h>

/* The one decimal parser: digits only (no sign, no space, no leading zeros but "0"),
 * no overflow, within [min, max]. Pure. Returns 0 with *ret set, or -EINVAL. */
int decimal_parse(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* decimal_parse for an unsigned (max at most UINT_MAX). Returns 0 or -EINVAL. */
int decimal_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret);

#endif
