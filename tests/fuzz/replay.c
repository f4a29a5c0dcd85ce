/* The replay driver: runs a fuzz target on each file given, or on each file of each
 * directory given, once, in name order. Built without libFuzzer (gcc, ASan+UBSan), so
 * `make check` replays the committed corpus on a machine with no clang. A crash,
 * sanitizer report or leak ends the process with a non-zero status. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "tests/fuzz/fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

#define INPUT_MAX (1 << 20)   /* libFuzzer's default -max_len is far below */

static const char *current;    /* the input being run, named when it fails */

/* Names the input that failed: on a sanitizer report, or an abort() of the target's
 * own checks. Async-signal-safe. */
static void name_input(void)
{
	if (!current)
		return;
	(void)!write(2, "replay: finding in ", 19);
	(void)!write(2, current, strlen(current));
	(void)!write(2, "\n", 1);
}

static void on_abort(int sig)
{
	name_input();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Runs the target on one file. Returns 0, or -1 if it cannot be read. */
static int replay_file(const char *path)
{
	FILE *in = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!in) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(INPUT_MAX);
	if (!buf) {
		fclose(in);
		return -1;
	}
	n = fread(buf, 1, INPUT_MAX, in);
	fclose(in);
	/* an exact-size copy, so that ASan sees a read past the input's end */
	uint8_t *input = malloc(n ? n : 1);
	if (!input) {
		free(buf);
		return -1;
	}
	memcpy(input, buf, n);
	free(buf);
	current = path;
	LLVMFuzzerTestOneInput(input, n);
	current = NULL;
	free(input);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Runs the target on every regular file of dir. Returns the number run, or -1. */
static int replay_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name), run = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) == 0)
			run++;
		free(names[i]);
	}
	free(names);
	return run;
}

int main(int argc, char **argv)
{
	int total = 0;

	__sanitizer_set_death_callback(name_input);
	signal(SIGABRT, on_abort);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			return 1;
		total += n;
	}
	printf("%s: %d inputs replayed, no finding\n", argc > 0 ? argv[0] : "replay", total);
	return total > 0 ? 0 : 1;
}
