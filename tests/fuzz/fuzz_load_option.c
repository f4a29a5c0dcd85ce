/* Fuzz target: the loader's boot entries (efi/load_option.c): the Boot#### variables and
 * the BootOrder it reads from the firmware's variable store, which whoever runs before
 * it can write, and the plan it makes from them.
 * Input: a count byte, then that many variables (2 bytes number, 2 bytes length, that
 * many bytes, a length over LOAD_OPTION_MAX meaning "too large, not read"), then the
 * BootOrder as 16-bit numbers. */
#include <stdlib.h>
#include <string.h>

#include "efi/load_option.h"
#include "tests/fuzz/fuzz.h"

#define SEEN_MAX 32

static const struct load_option_part part = { .number = 1, .start_lba = 2048, .size_lba = 98304 };
static const char *const description[2] = { "hardinit loader (bootefi-a)", "hardinit loader (bootefi-b)" };

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool number_seen(const struct load_option_seen *seen, size_t n, uint16_t number)
{
	for (size_t i = 0; i < n; i++)
		if (seen[i].number == number)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_option_seen seen[SEEN_MAX];
	uint8_t want_a[LOAD_OPTION_MAX], want_b[LOAD_OPTION_MAX];
	const uint8_t *want[2] = { want_a, want_b };
	size_t want_len[2], n_seen = 0, at = 1, n_order, n_out;
	struct load_option_plan plan;
	uint16_t *order, *out;
	bool changed;

	if (size < 1)
		return 0;
	want_len[0] = load_option_build(description[0], &part, "\\EFI\\BOOT\\BOOTX64.EFI", want_a, sizeof(want_a));
	want_len[1] = load_option_build(description[1], &part, "\\EFI\\BOOT\\BOOTX64.EFI", want_b, sizeof(want_b));
	if (!want_len[0] || !want_len[1])
		abort();
	for (size_t i = 0; i < (size_t)(data[0] % SEEN_MAX) && at + 4 <= size; i++) {
		size_t len = le16(data + at + 2);
		seen[n_seen].number = le16(data + at);
		at += 4;
		if (len > LOAD_OPTION_MAX) {
			seen[n_seen].data = NULL, seen[n_seen].len = 0;
		} else {
			if (len > size - at)
				len = size - at;
			seen[n_seen].data = data + at, seen[n_seen].len = len;
			at += len;
		}
		(void)load_option_has_description(seen[n_seen].data ? seen[n_seen].data : data, seen[n_seen].len,
						  description[0]);
		if (!number_seen(seen, n_seen, seen[n_seen].number))
			n_seen++; /* a variable name exists once in the store */
	}
	if (load_option_plan_entries(seen, n_seen, want, want_len, description, &plan) == 0) {
		if (plan.number[0] == plan.number[1])
			abort(); /* the two copies never share a Boot#### */
		for (size_t i = 0; i < n_seen; i++)
			for (int w = 0; w < 2; w++)
				if (seen[i].number == plan.number[w] && plan.write[w] && seen[i].data &&
				    !load_option_has_description(seen[i].data, seen[i].len, description[w]))
					abort(); /* never overwrites someone else's entry */
	}
	n_order = (size - at) / 2;
	order = malloc((n_order ? n_order : 1) * sizeof(*order));
	out = malloc((n_order + 2) * sizeof(*out));
	if (order && out) {
		for (size_t i = 0; i < n_order; i++)
			order[i] = le16(data + at + 2 * i);
		n_out = load_option_boot_order(order, n_order, (const uint16_t[2]){ 1, 2 }, out, &changed);
		if (n_out > n_order + 2 || n_out < 2 || out[0] != 1 || out[1] != 2)
			abort();
		(void)load_option_boot_number(order, n_order);
	}
	free(order);
	free(out);
	return 0;
}
