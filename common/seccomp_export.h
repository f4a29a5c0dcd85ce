/* A libseccomp filter (a scmp_filter_ctx, passed as void * so that callers need not
 * include seccomp.h) exported without being loaded. */
#ifndef HARDINIT_SECCOMP_EXPORT_H
#define HARDINIT_SECCOMP_EXPORT_H

#include <linux/filter.h>

/* The filter as libseccomp's PFC text. Returns a malloc'd string or NULL. */
char *seccomp_export_text(void *filter);

/* The filter as the BPF program the kernel loads. Returns 0 and *ret (free() its
 * filter), or -errno. */
int seccomp_export_prog(void *filter, struct sock_fprog *ret);

#endif
