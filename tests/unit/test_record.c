#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init/record.h"

/* record_format's text for one line. */
static char *format(const char *line)
{
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);

	cr_assert_not_null(mem);
	record_format(line, mem);
	fclose(mem);
	return out;
}

TestSuite(record, .timeout = 10);

/* A failed boot shows its step and reason; a boot chain its loader line. */
Test(record, format_failed_boot)
{
	char *out = format("{\"time\":17,\"slot\":\"b\",\"version\":2,\"verity\":\"none\",\"outcome\":\"failed\","
			   "\"failed_step\":\"open-verity\",\"reason\":\"bad footer\",\"loader\":\"hl 1\",\"init_ms\":5}");

	cr_assert_str_eq(out, "17         slot=b version=2 verity=none data=- logs=- audit=- init_ms=5 failed at "
			      "open-verity: bad footer\n           boot chain: loader=hl 1 stub=- boot_image=-\n");
	free(out);
}

/* A measured boot shows its PCR values on a line of their own; a boot without a TPM
 * (tpm none) or from before measured boot (no tpm member) shows none. */
Test(record, format_measured_boot)
{
	char *out = format("{\"time\":17,\"slot\":\"a\",\"outcome\":\"ready\",\"tpm\":\"measured\",\"pcr_bank\":\"sha256\","
			   "\"pcr11_enter_initrd\":\"0fb7\",\"pcr15\":\"2807\",\"pcr11_leave_initrd\":\"99df\"}");

	cr_assert_not_null(strstr(out, "\n           tpm: measured bank=sha256 pcr11 enter-initrd=0fb7 leave-initrd=99df pcr15=2807\n"),
			   "%s", out);
	free(out);
	out = format("{\"time\":17,\"slot\":\"a\",\"outcome\":\"ready\",\"tpm\":\"none\"}");
	cr_assert_null(strstr(out, "tpm"), "%s", out);
	free(out);
	out = format("{\"time\":17,\"slot\":\"a\",\"outcome\":\"ready\"}");
	cr_assert_null(strstr(out, "tpm"), "%s", out);
	free(out);
}

/* The records are on the logs partition: whoever has the disk writes them. A reason
 * with a terminal escape (clear screen, here) is printed as \xHH, never raw. */
Test(record, format_escapes_control_bytes)
{
	char *out = format("{\"outcome\":\"failed\",\"failed_step\":\"x\",\"reason\":\"a\\u001b[2Jb\\u00e9\\n\"}");

	cr_assert_not_null(strstr(out, "a\\x1b[2Jb\\xc3\\xa9\\x0a"), "%s", out);
	cr_assert_null(strchr(out, '\x1b'));
	free(out);
}

/* A line that is not JSON prints nothing; members of the wrong type print as "-". */
Test(record, format_bad_lines)
{
	char *out = format("{\"slot\":");
	cr_assert_str_eq(out, "");
	free(out);
	out = format("{\"slot\":7,\"outcome\":[1]}");
	cr_assert_not_null(strstr(out, "slot=- "), "%s", out);
	free(out);
}
