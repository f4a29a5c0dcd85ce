/* hardinitctl: the appliance's management tool (docs/slots.md).
 *   hardinitctl status [--records N] [--logs DIR]  slots, versions, state, boot records
 *   hardinitctl mark-good                           the booted slot passed its health check
 *   hardinitctl set-active a|b                      boot that slot next
 *   hardinitctl update [--force] BUNDLE|IMAGE|-     write the other slot, verify, then try it
 * It reads what hardinit left in /run/hardinit (state, keys). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "common/decimal.h"
#include "ctl/ctl.h"
#include "ctl/state_file.h"
#include "init/record.h"
#include "slots/slot_apply.h"
#include "verity/footer_sig.h"
#include "verity/verity_apply.h"

int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("hardinitctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Reads /run/hardinit/state. Returns 0, -errno, or -EBADMSG when it names no slot. */
static int read_state(struct boot_state_file *st)
{
	char text[4096];
	size_t n;
	FILE *in = fopen(STATE_FILE, "re");

	memset(st, 0, sizeof(*st));
	if (!in)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[n] = '\0';
	return state_file_parse(text, st);
}

int need_state(struct boot_state_file *st)
{
	int r = read_state(st);
	if (r == -EBADMSG)
		return fail("this system did not boot from an A/B slot (hardinit in init= mode): no slot to act on");
	if (r < 0)
		return fail("unable to read %s (was this system booted by hardinit?): %s", STATE_FILE, strerror(-r));
	return 0;
}

static int read_attrs(const char *partition, struct slot_attrs *ret)
{
	uint64_t attrs = 0;
	struct fault f;
	int r = slot_apply_read(partition, &attrs, &f);

	if (r < 0)
		return fail("%s", f.text);
	slot_attrs_decode(attrs, ret);
	return 0;
}

int write_attrs(const char *partition, const struct slot_attrs *a)
{
	struct fault f;
	return slot_apply_write(partition, a, &f) < 0 ? fail("%s", f.text) : 0;
}

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

	struct boot_state_file state;
	int r = read_state(&state);

	if (r == -EBADMSG)
		printf("booted: init= mode, no A/B slots\n");
	if (r == 0) {
		printf("booted: slot %c, image version %llu\n", state.slot, state.version);
		for (int s = 0; s < 2; s++) {
			unsigned char block[FOOTER_SIZE];
			struct slot_footer footer;
			struct slot_attrs a;
			struct fault f;
			uint64_t size;
			if (!state.partition[s][0]) {
				printf("slot %c: no partition\n", 'a' + s);
				continue;
			}
			if (read_attrs(state.partition[s], &a))
				continue;
			printf("slot %c: %s ", 'a' + s, state.partition[s]);
			if (verity_apply_read_footer(state.partition[s], block, &footer, &size, &f) == 0)
				printf("version %llu", (unsigned long long)footer.version);
			else
				printf("no valid image (%s)", f.text);
			printf(": %s%s\n", slot_describe(&a), state.slot == 'a' + s ? " <- booted" : "");
		}
	}
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
	printf("\nboot records in %s: %zu (showing the last %zu)\n", path, t.total, t.n);
	for (size_t i = 0; i < t.n; i++) {
		size_t slot = (t.total - t.n + i) % t.keep;
		record_format(t.lines[slot], stdout);
		free(t.lines[slot]);
	}
	if (skipped)
		printf("%zu unreadable line(s) skipped (a torn write after a power cut?)\n", skipped);
	return 0;
}

/* The booted slot passed its health check: it stays, until it fails a boot check again. */
static int mark_good(void)
{
	struct boot_state_file st;
	struct fault f = { "" };

	if (need_state(&st))
		return 1;
	if (slot_apply_mark_good(st.partition[st.slot - 'a'], &f) < 0)
		return fail("slot %c: %s", st.slot, f.text);
	printf("slot %c marked good\n", st.slot);
	return 0;
}

struct first {
	int t;
	unsigned boot_tries;
	bool trial;
};

/* make_first's change (slot_make_first), decided from the GPT as it is under the lock;
 * both slots' states go into one label write. */
static int set_first(struct slot_attrs a[2], void *ctx, struct fault *f)
{
	const struct first *c = ctx;
	struct slot_attrs cur[2] = { a[0], a[1] };
	bool write[2];

	(void)f;
	slot_make_first(cur, c->t, c->trial, c->boot_tries, a, write);
	return 0;
}

int make_first(const struct boot_state_file *st, int t, bool trial)
{
	const char *part[2] = { st->partition[0], st->partition[1] };
	struct first c = { t, st->boot_tries ? st->boot_tries : 3, trial };
	struct fault f;

	return slot_apply_update(part, set_first, &c, &f) < 0 ? fail("%s", f.text) : 0;
}

static int set_active(const char *which)
{
	struct boot_state_file st;
	int t;

	if (strcmp(which, "a") && strcmp(which, "b"))
		return fail("set-active takes a or b");
	if (need_state(&st))
		return 1;
	t = which[0] - 'a';
	if (!st.partition[t][0])
		return fail("slot %s has no partition", which);
	if (make_first(&st, t, false))
		return 1;
	printf("slot %s boots next\n", which);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: hardinitctl status [--records N] [--logs DIR]\n"
		     "       hardinitctl mark-good\n"
		     "       hardinitctl set-active a|b\n"
		     "       hardinitctl update [--force] BUNDLE|IMAGE|-\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "records", required_argument, NULL, 'n' },
		{ "logs", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	const char *logs = "/logs";
	long records = 5;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'n': records = strtol(optarg, NULL, 10); break;
		case 'l': logs = optarg; break;
		case 'f': force = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "mark-good") && optind + 1 == argc)
		return mark_good();
	if (optind < argc && !strcmp(argv[optind], "set-active") && optind + 2 == argc)
		return set_active(argv[optind + 1]);
	if (optind < argc && !strcmp(argv[optind], "update") && optind + 2 == argc)
		return update(argv[optind + 1], force);
	if (records < 1 || records > 64 || optind + 1 != argc || strcmp(argv[optind], "status") != 0) {
		usage(stderr);
		return 2;
	}
	return status(logs, (size_t)records);
}
