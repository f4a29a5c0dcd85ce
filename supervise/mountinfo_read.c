#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "supervise/mountinfo_read.h"

/* Reads a non-negative decimal int at *p, followed by `end`. Advances *p past `end`.
 * Returns 0 or -EINVAL. */
static int read_int(char **p, char end, int *ret)
{
	long v = 0;
	char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -EINVAL;
	}
	if (*s != end)
		return -EINVAL;
	*ret = (int)v;
	*p = s + 1;
	return 0;
}

/* Skips a field of one or more characters that are neither space nor NUL, and the one
 * space after it. Returns the start of the next field, or NULL. */
static char *skip_field(char *p)
{
	char *s = p;

	while (*s && *s != ' ')
		s++;
	return s > p && *s == ' ' ? s + 1 : NULL;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Decodes the escapes of the field at p, which ends at the first space (made a NUL).
 * Returns the character after that space, or NULL for a bad escape or no space. */
static char *unescape_field(char *p)
{
	char *in = p, *out = p;

	for (; *in && *in != ' '; in++) {
		if (*in != '\\') {
			*out++ = *in;
			continue;
		}
		if (!is_octal(in[1]) || !is_octal(in[2]) || !is_octal(in[3]))
			return NULL;
		int v = (in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0');
		if (v == 0 || v > 255)
			return NULL;
		*out++ = (char)v;
		in += 3;
	}
	if (*in != ' ')
		return NULL;
	*out = '\0';
	return in + 1;
}

int mountinfo_parse_line(char *line, struct mountinfo_line *ret)
{
	char *p = line, *target, *rest;
	int id, parent;

	if (read_int(&p, ' ', &id) < 0 || read_int(&p, ' ', &parent) < 0)
		return -EINVAL;
	if (!(p = skip_field(p)) || !(p = skip_field(p))) /* major:minor, root */
		return -EINVAL;
	target = p;
	if (*target != '/' || !(rest = unescape_field(target)) || !*rest)
		return -EINVAL;
	ret->id = id;
	ret->parent_id = parent;
	ret->target = target;
	return 0;
}
