#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "common/decimal.h"

/* The one decimal parser takes canonical digits within the range and nothing else. */
Test(decimal, strict)
{
	static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "01", "1x", "0x10", "18446744073709551616",
					   "99999999999999999999" };
	uint64_t v = 7;
	unsigned u;

	cr_assert_eq(decimal_parse("0", 0, 10, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(decimal_parse("18446744073709551615", 0, UINT64_MAX, &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(decimal_parse(bad[i], 0, UINT64_MAX, &v), -EINVAL, "%s", bad[i]);
	cr_assert_eq(decimal_parse("11", 1, 10, &v), -EINVAL);
	cr_assert_eq(decimal_parse("0", 1, 10, &v), -EINVAL);
	cr_assert_eq(decimal_parse_unsigned("65535", 1, 65535, &u), 0);
	cr_assert_eq(u, 65535);
	cr_assert_eq(decimal_parse_unsigned("65536", 1, 65535, &u), -EINVAL);
}
