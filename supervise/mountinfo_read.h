/* A libc-only reader of /proc/self/mountinfo lines, for the supervisor that stays PID 1
 * (supervise/supervisor_main.c). It is not libmount on purpose: that supervisor is
 * linked statically against libc alone so that PID 1 holds well under 1 MiB for the
 * VM's lifetime, and Debian ships no static libmount. It reads only what a shutdown
 * needs: the mount ID, the parent's ID and the mount point. Pure. */
#ifndef HARDINIT_MOUNTINFO_READ_H
#define HARDINIT_MOUNTINFO_READ_H

/* One line of mountinfo, as far as a shutdown needs it. */
struct mountinfo_line {
	int id;          /* field 1: the mount ID */
	int parent_id;   /* field 2: the parent's mount ID */
	char *target;    /* field 5, unescaped in place: points into the line */
};

/* Parses one mountinfo line (NUL-terminated, without its newline) in place: the mount
 * ID and parent ID (decimal, non-negative, within int), major:minor, the root and the
 * mount point, each field followed by one space, and the rest of the line present. The
 * mount point's octal escapes (\ooo, as the kernel writes space \040, tab \011,
 * newline \012 and backslash \134) are decoded in place; an escape of NUL, a backslash
 * not followed by three octal digits, or a mount point that is not absolute is refused.
 * Returns 0 with *ret (ret->target points into line), or -EINVAL. */
int mountinfo_parse_line(char *line, struct mountinfo_line *ret);

#endif
