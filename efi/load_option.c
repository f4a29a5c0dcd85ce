#include "efi/load_option.h"

#define DP_MEDIA 0x04
#define DP_MEDIA_HD 0x01
#define DP_MEDIA_FILE 0x04
#define DP_END 0x7f
#define DP_END_ENTIRE 0xff
#define HD_NODE_LEN 42
#define MBR_TYPE_GPT 0x02
#define SIGNATURE_TYPE_GUID 0x02

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The length of s if it is 1 to LOAD_OPTION_TEXT_MAX printable ASCII characters, else 0. */
static size_t text_len(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++)
		if (n >= LOAD_OPTION_TEXT_MAX || s[n] < 0x20 || s[n] > 0x7e)
			return 0;
	return n;
}

/* Writes s (n ASCII characters) and a NUL as UCS-2 at p. */
static void put_ucs2(uint8_t *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put16(p + 2 * i, (uint16_t)s[i]);
	put16(p + 2 * n, 0);
}

size_t load_option_build(const char *description, const struct load_option_part *part, const char *path,
			 uint8_t *buf, size_t cap)
{
	size_t dlen = text_len(description), plen = text_len(path);
	size_t desc_bytes = 2 * (dlen + 1), file_node = 4 + 2 * (plen + 1);
	size_t dp_len = HD_NODE_LEN + file_node + 4, total = 6 + desc_bytes + dp_len;
	uint8_t *p;

	if (!dlen || !plen || !part || total > cap || total > LOAD_OPTION_MAX)
		return 0;
	put32(buf, LOAD_OPTION_ATTR_ACTIVE);
	put16(buf + 4, (uint16_t)dp_len);
	put_ucs2(buf + 6, description, dlen);
	p = buf + 6 + desc_bytes;
	p[0] = DP_MEDIA;
	p[1] = DP_MEDIA_HD;
	put16(p + 2, HD_NODE_LEN);
	put32(p + 4, part->number);
	put64(p + 8, part->start_lba);
	put64(p + 16, part->size_lba);
	for (int i = 0; i < 16; i++)
		p[24 + i] = part->guid[i];
	p[40] = MBR_TYPE_GPT;
	p[41] = SIGNATURE_TYPE_GUID;
	p += HD_NODE_LEN;
	p[0] = DP_MEDIA;
	p[1] = DP_MEDIA_FILE;
	put16(p + 2, (uint16_t)file_node);
	put_ucs2(p + 4, path, plen);
	p += file_node;
	p[0] = DP_END;
	p[1] = DP_END_ENTIRE;
	put16(p + 2, 4);
	return total;
}

bool load_option_has_description(const uint8_t *opt, size_t len, const char *description)
{
	size_t i = 0;

	if (!opt || !description || len < 6)
		return false;
	for (size_t at = 6; at + 2 <= len; at += 2, i++) {
		uint16_t u = get16(opt + at);
		if (u == 0)
			return description[i] == '\0';
		if (description[i] == '\0' || u != (uint8_t)description[i])
			return false;
	}
	return false;   /* no NUL inside len */
}

static int hex_digit(uint16_t u)
{
	if (u >= '0' && u <= '9')
		return u - '0';
	if (u >= 'A' && u <= 'F')
		return u - 'A' + 10;
	return -1;
}

int load_option_boot_number(const uint16_t *name, size_t n)
{
	static const char prefix[] = "Boot";
	int number = 0;

	if (!name || n < 8 || (n > 8 && (n != 9 || name[8] != 0)))
		return -1;
	for (int i = 0; i < 4; i++)
		if (name[i] != (uint16_t)prefix[i])
			return -1;
	for (int i = 4; i < 8; i++) {
		int d = hex_digit(name[i]);
		if (d < 0)
			return -1;
		number = number * 16 + d;
	}
	return number;
}

void load_option_boot_name(uint16_t number, uint16_t name[LOAD_OPTION_NAME_UNITS])
{
	static const char hex[] = "0123456789ABCDEF";
	static const char prefix[] = "Boot";

	for (int i = 0; i < 4; i++)
		name[i] = (uint16_t)prefix[i];
	for (int i = 0; i < 4; i++)
		name[4 + i] = (uint16_t)hex[(number >> (12 - 4 * i)) & 0xf];
	name[8] = 0;
}

static bool same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (!a || !b || alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static bool number_used(const struct load_option_seen *seen, size_t n_seen, uint32_t number)
{
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i].number == number)
			return true;
	return false;
}

int load_option_plan_entries(const struct load_option_seen *seen, size_t n_seen, const uint8_t *const want[2],
			     const size_t want_len[2], const char *const description[2], struct load_option_plan *ret)
{
	bool found[2] = { false, false };

	for (int w = 0; w < 2; w++)
		for (size_t i = 0; i < n_seen && !found[w]; i++)
			if (same_bytes(seen[i].data, seen[i].len, want[w], want_len[w]) &&
			    !(w == 1 && found[0] && ret->number[0] == seen[i].number)) {
				ret->number[w] = seen[i].number;
				ret->write[w] = false;
				found[w] = true;
			}
	for (int w = 0; w < 2; w++)
		for (size_t i = 0; i < n_seen && !found[w]; i++)
			if (load_option_has_description(seen[i].data, seen[i].len, description[w]) &&
			    !(found[1 - w] && ret->number[1 - w] == seen[i].number)) {
				ret->number[w] = seen[i].number;
				ret->write[w] = true;
				found[w] = true;
			}
	for (int w = 0; w < 2; w++) {
		uint32_t n = 0;
		if (found[w])
			continue;
		while (n <= 0xffff && (number_used(seen, n_seen, n) || (found[1 - w] && ret->number[1 - w] == n)))
			n++;
		if (n > 0xffff)
			return -1;
		ret->number[w] = (uint16_t)n;
		ret->write[w] = true;
		found[w] = true;
	}
	return 0;
}

size_t load_option_boot_order(const uint16_t *order, size_t n, const uint16_t first[2], uint16_t *out,
			      bool *changed)
{
	size_t m = 0;

	out[m++] = first[0];
	if (first[1] != first[0])
		out[m++] = first[1];
	for (size_t i = 0; i < n; i++)
		if (order[i] != first[0] && order[i] != first[1])
			out[m++] = order[i];
	*changed = m != n;
	for (size_t i = 0; i < m && !*changed; i++)
		*changed = out[i] != order[i];
	return m;
}
