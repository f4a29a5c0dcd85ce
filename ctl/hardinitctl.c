/* hardinitctl: the appliance's management tool.
 *   hardinitctl status [--records N] [--logs DIR]   the last boot records, newest last
 * (Slot commands come with A/B servicing.) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "init/record.h"

struct tail {
	char *lines[64];
	size_t n, total;
	size_t keep;
};

/* Keeps the last `keep` lines seen. */
static void keep_line(const char *line, void *data)
{
	struct tail *t = data;
	size_t slot = t->total % t->keep;

	free(t->lines[slot]);
	t->lines[slot] = strdup(line);
	t->total++;
	if (t->n < t->keep)
		t->n++;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : "-";
}

static long long num(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* Prints one record on one line, with the reason below when the boot failed. */
static void print_record(const char *line)
{
	json_object *o = json_tokener_parse(line);

	if (!o)
		return;
	printf("%-10lld slot=%s version=%lld verity=%s data=%s logs=%s audit=%s init_ms=%lld %s",
	       num(o, "time"), str(o, "slot"), num(o, "version"), str(o, "verity"), str(o, "data"),
	       str(o, "logs"), str(o, "mount_audit"), num(o, "init_ms"), str(o, "outcome"));
	if (strcmp(str(o, "outcome"), "failed") == 0)
		printf(" at %s: %s", str(o, "failed_step"), str(o, "reason"));
	if (strcmp(str(o, "data"), "degraded") == 0)
		printf("\n           data degraded: %s", str(o, "data_reason"));
	if (num(o, "quarantined") > 0)
		printf("\n           %lld entries moved aside on the data or logs partition", num(o, "quarantined"));
	putchar('\n');
	json_object_put(o);
}

/* Returns the exit status. */
static int status(const char *logs, size_t records)
{
	char path[4096];
	struct tail t = { .keep = records };
	char *text;
	size_t len = 0, skipped;
	FILE *in, *mem;
	char buf[65536];
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", logs, RECORD_DIR, RECORD_FILE);
	in = fopen(path, "re");
	if (!in) {
		fprintf(stderr, "hardinitctl: unable to read %s: %s\n", path, strerror(errno));
		return 1;
	}
	mem = open_memstream(&text, &len);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(in);
	fclose(mem);
	skipped = record_read_lines(text, keep_line, &t);
	free(text);
	printf("boot records in %s: %zu (showing the last %zu)\n", path, t.total, t.n);
	for (size_t i = 0; i < t.n; i++) {
		size_t slot = (t.total - t.n + i) % t.keep;
		print_record(t.lines[slot]);
		free(t.lines[slot]);
	}
	if (skipped)
		printf("%zu unreadable line(s) skipped (a torn write after a power cut?)\n", skipped);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: hardinitctl status [--records N] [--logs DIR]\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "records", required_argument, NULL, 'n' },
		{ "logs", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *logs = "/logs";
	long records = 5;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'n': records = strtol(optarg, NULL, 10); break;
		case 'l': logs = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (records < 1 || records > 64 || optind + 1 != argc || strcmp(argv[optind], "status") != 0) {
		usage(stderr);
		return 2;
	}
	return status(logs, (size_t)records);
}
