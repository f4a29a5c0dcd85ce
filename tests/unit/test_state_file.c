#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ctl/state_file.h"

TestSuite(state_file, .timeout = 10);

/* The file as hardinit writes it. */
Test(state_file, parse_written)
{
	struct boot_state_file st;

	cr_assert_eq(state_file_parse("slot=b\npartition_a=/dev/vda2\npartition_b=/dev/vda3\nversion=7\n"
				      "boot_tries=4\nmin_version=2\nchooser=initramfs\n", &st), 0);
	cr_assert_eq(st.slot, 'b');
	cr_assert_str_eq(st.partition[0], "/dev/vda2");
	cr_assert_str_eq(st.partition[1], "/dev/vda3");
	cr_assert_eq(st.version, 7);
	cr_assert_eq(st.boot_tries, 4);
	cr_assert_eq(st.min_version, 2);
	cr_assert_eq(st.chooser, CHOOSER_INITRAMFS);
}

/* No slot (an init= boot), a slot of more than one letter, values out of range. */
Test(state_file, parse_refuses)
{
	struct boot_state_file st;

	cr_assert_eq(state_file_parse("version=1\n", &st), -EBADMSG);
	cr_assert_eq(state_file_parse("slot=ab\n", &st), -EBADMSG);
	cr_assert_eq(state_file_parse("slot=a\nboot_tries=16\nversion=x\nchooser=gpt", &st), 0);
	cr_assert_eq(st.boot_tries, 0);
	cr_assert_eq(st.version, 0);
	cr_assert_eq(st.chooser, CHOOSER_UNKNOWN);
}

/* A partition path longer than the field is cut, never overflows. */
Test(state_file, long_values)
{
	struct boot_state_file st;
	char text[600] = "slot=a\npartition_a=";

	memset(text + strlen(text), 'x', 500);
	cr_assert_eq(state_file_parse(text, &st), 0);
	cr_assert_eq(strlen(st.partition[0]), sizeof(st.partition[0]) - 1);
}
