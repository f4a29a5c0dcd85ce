/* A program that was verified before the writable state was mounted, kept open so
 * that what runs is the file that was checked, never whatever its path names later. */
#ifndef HARDINIT_PROGRAM_H
#define HARDINIT_PROGRAM_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>

#define PROGRAM_ARG_MAX 64
#define PROGRAM_ARGV_MAX 16

struct program {
	int fd;                          /* open on the verified file (O_CLOEXEC); -1 for none */
	int interp_fd;                   /* a "#!" script's verified interpreter; -1 for none */
	char interp[PATH_MAX];           /* its path, as the "#!" line names it */
	char interp_arg[PROGRAM_ARG_MAX];/* the optional argument after it; "" for none */
};

#define PROGRAM_NONE ((struct program){ .fd = -1, .interp_fd = -1 })

/* The environment PID 1 gives the service tree and the health check. */
extern char *const program_env[];

/* Parses the "#!" line at the start of a file's first n bytes into the interpreter's
 * path and its optional single argument (the rest of the line, trimmed, as the kernel
 * takes it). Returns 1 for a script, 0 for none (no "#!"), -EINVAL for a "#!" line
 * without an interpreter, not ended within head, or with a part too long. Pure. */
int program_parse_shebang(const char *head, size_t n, char *interp, size_t interp_size, char *arg, size_t arg_size);

/* Executes p with argv (at most PROGRAM_ARGV_MAX - 3 entries) and envp through its
 * descriptors (execveat with AT_EMPTY_PATH), never by path: a script runs as its
 * verified interpreter with the script as /dev/fd/N (N kept open across the exec; the
 * /dev/fd link to /proc/self/fd is made if missing), as the kernel would run it.
 * Returns only on failure, with -errno. */
int program_exec(const struct program *p, char *const argv[], char *const envp[]);

#endif
