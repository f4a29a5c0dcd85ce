#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "common/fault.h"

/* fault_set returns the negated error and formats the reason. */
Test(fault, returns_the_negated_error)
{
	struct fault f = { "" };

	cr_assert_eq(fault_set(&f, EINVAL, "bad %s %d", "thing", 7), -EINVAL);
	cr_assert_str_eq(f.text, "bad thing 7");
	cr_assert_eq(fault_set(&f, -ENOENT, "missing"), -ENOENT);
	cr_assert_eq(fault_set(NULL, EPERM, "no fault to fill"), -EPERM);
}

/* An error of 0 (errno after a short write, which sets none) is never a success. */
Test(fault, zero_is_an_io_error)
{
	struct fault f = { "" };

	errno = 0;
	cr_assert_eq(fault_set(&f, errno, "unable to write x: short write"), -EIO);
	cr_assert_str_eq(f.text, "unable to write x: short write");
	cr_assert_eq(fault_set(NULL, 0, "x"), -EIO);
}
