/* Walking attacker-writable filesystems (the data and logs partitions): every lookup
 * is openat2 with RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_XDEV, so a planted
 * symlink is never followed and the walk never leaves the filesystem. Something that
 * is not what was expected is moved aside (renamed, never deleted) and recreated. */
#ifndef HARDINIT_SAFEDIR_H
#define HARDINIT_SAFEDIR_H

#include <sys/types.h>

#include "common/fault.h"

#define SAFE_RESOLVE_FLAGS (RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_XDEV)

/* Opens parent/name as a directory, creating it (mode) if missing. A symlink, file,
 * device node or anything else where the directory should be is renamed into
 * quarantine_fd (or, if that is -1, beside itself in parent) as
 * "<name>.quarantine-<nanoseconds>", then the directory is created.
 * Returns an O_DIRECTORY fd, or -errno (f says why). */
int safedir_ensure(int parent, const char *name, mode_t mode, int quarantine_fd, struct fault *f);

/* Opens parent/name for appending as a regular file (created with mode if missing);
 * anything else there is moved aside as safedir_ensure does. Returns an fd or -errno. */
int safedir_open_append(int parent, const char *name, mode_t mode, struct fault *f);

/* Renames parent/name (never following it) into quarantine_fd (or, if that is -1, beside
 * itself in parent) as "<name>.quarantine-<nanoseconds>" and logs
 * "moved <name> aside as <new name> (<why>)". Returns 0 or -errno: a directory carrying
 * the append-only or immutable flag, or one in such a directory, cannot be moved (EPERM). */
int safedir_move_aside(int parent, const char *name, int quarantine_fd, const char *why, struct fault *f);

/* Number of entries moved aside since the start (for the boot record). */
unsigned safedir_quarantined(void);

#endif
