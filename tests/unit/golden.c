#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "golden.h"

void golden_check(const char *path, const char *text)
{
	static char want[65536];
	FILE *in;
	size_t n;

	if (getenv("UPDATE_GOLDEN")) {
		FILE *out = fopen(path, "w");
		cr_assert_not_null(out, "unable to write %s", path);
		fputs(text, out);
		fclose(out);
	}
	in = fopen(path, "r");
	cr_assert_not_null(in, "missing %s (UPDATE_GOLDEN=1 makes it)", path);
	n = fread(want, 1, sizeof(want) - 1, in);
	fclose(in);
	want[n] = '\0';
	cr_assert_str_eq(text, want, "%s differs:\n%s", path, text);
}
