#include <errno.h>
#include <stdbool.h>

#include "common/efivar.h"

int efivar_parse_text(const uint8_t *buf, size_t len, char *out, size_t out_size)
{
	size_t units, n = 0;

	if (out_size > 0)
		out[0] = '\0';
	if (!buf || !out || out_size == 0 || len < 4 + 2 || (len - 4) % 2 != 0)
		return -EINVAL;
	units = (len - 4) / 2;
	if (buf[len - 2] == 0 && buf[len - 1] == 0)
		units--;                      /* the terminating NUL */
	if (units == 0 || units > EFIVAR_TEXT_MAX || units >= out_size)
		return -EINVAL;
	for (; n < units; n++) {
		unsigned u = (unsigned)buf[4 + 2 * n] | (unsigned)buf[4 + 2 * n + 1] << 8;
		if (u < 0x20 || u > 0x7e) {
			out[0] = '\0';
			return -EINVAL;
		}
		out[n] = (char)u;
	}
	out[n] = '\0';
	return 0;
}

int efivar_parse_uuid(const uint8_t *buf, size_t len, char out[EFIVAR_UUID_LEN + 1])
{
	char text[EFIVAR_TEXT_MAX + 1];

	out[0] = '\0';
	if (efivar_parse_text(buf, len, text, sizeof(text)) < 0)
		return -EINVAL;
	for (int i = 0; i < EFIVAR_UUID_LEN + 1; i++) {
		char c = text[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (i == EFIVAR_UUID_LEN) {
			if (c != '\0')
				break;
			for (int k = 0; k < EFIVAR_UUID_LEN; k++)
				out[k] = text[k] >= 'A' && text[k] <= 'F' ? (char)(text[k] - 'A' + 'a') : text[k];
			out[EFIVAR_UUID_LEN] = '\0';
			return 0;
		}
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			break;
	}
	return -EINVAL;
}
