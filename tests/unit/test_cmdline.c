#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "common/cmdline.h"

static struct cmdline c;

/* Words split on whitespace; key and value split at the first '='. */
Test(cmdline, splits_words_and_values)
{
	cr_assert_eq(cmdline_split("  console=ttyS0  ro a=b=c hardinit.debug\n", &c, NULL), 0);
	cr_assert_eq(c.n_words, 4);
	cr_assert_str_eq(c.words[0].key, "console");
	cr_assert_str_eq(c.words[0].value, "ttyS0");
	cr_assert_str_eq(c.words[1].key, "ro");
	cr_assert_null(c.words[1].value);
	cr_assert_str_eq(c.words[2].key, "a");
	cr_assert_str_eq(c.words[2].value, "b=c");
	cr_assert_str_eq(c.words[3].key, "hardinit.debug");
}

/* Quotes keep spaces inside a value and are removed, as the kernel does. */
Test(cmdline, quotes_like_the_kernel)
{
	cr_assert_eq(cmdline_split("a=\"x y\" \"b=z w\" c=\"unterminated rest", &c, NULL), 0);
	cr_assert_eq(c.n_words, 3);
	cr_assert_str_eq(c.words[0].value, "x y");
	cr_assert_str_eq(c.words[1].key, "b");
	cr_assert_str_eq(c.words[1].value, "z w");
	cr_assert_str_eq(c.words[2].value, "unterminated rest");
}

/* Words after "--" are init's arguments, not kernel parameters. */
Test(cmdline, stops_at_double_dash)
{
	cr_assert_eq(cmdline_split("a=1 -- hardinit.exec=/bin/sh", &c, NULL), 0);
	cr_assert_eq(c.n_words, 1);
}

/* An overlong command line is refused, not truncated. */
Test(cmdline, rejects_overlong_text)
{
	static char big[CMDLINE_MAX + 10];
	struct fault f;

	memset(big, 'a', sizeof(big) - 1);
	cr_assert_eq(cmdline_split(big, &c, &f), -E2BIG);
	cr_assert(strstr(f.text, "over the limit"));
}

/* More words than the table holds is refused. */
Test(cmdline, rejects_too_many_words)
{
	static char many[CMDLINE_MAX];
	struct fault f;

	for (int i = 0; i < CMDLINE_WORDS_MAX + 1; i++)
		strcat(many, "x ");
	cr_assert_eq(cmdline_split(many, &c, &f), -E2BIG);
}

/* An empty command line has no words. */
Test(cmdline, empty)
{
	cr_assert_eq(cmdline_split("", &c, NULL), 0);
	cr_assert_eq(c.n_words, 0);
}
