/* syscalls: the seccomp probe. Run in the service tree, it calls each syscall the
 * baseline denies through the three ABIs the kernel has (x86-64 with `syscall`, i386
 * with `int $0x80`, x32 with `syscall` and the x32 bit) with harmless zero arguments,
 * and an allowed one (getpid), printing "NAME ABI RESULT" per call: OK, or the errno
 * name. The numbers come from the kernel's UAPI headers, generated into nr.h at build
 * time (tests/qemu/cases/lockdown.sh). Built static. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nr.h"   /* struct probe_nr probes[] = { { "name", nr64, nr32, nrx32 }, ... } */

static long call64(long nr)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(0), "S"(0), "d"(0) : "rcx", "r11", "memory");
	return ret;
}

static long call32(long nr)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(0), "c"(0), "d"(0) : "memory");
	return (int)ret;
}

static const char *result(long ret)
{
	if (ret >= 0)
		return "OK";
	switch (-ret) {
	case EPERM: return "EPERM";
	case ENOSYS: return "ENOSYS";
	default: return strerrorname_np((int)-ret) ? strerrorname_np((int)-ret) : "E?";
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const struct probe_nr *p = &probes[i];
		if (p->nr64 >= 0)
			printf("%s x86_64 %s\n", p->name, result(call64(p->nr64)));
		if (p->nr32 >= 0)
			printf("%s i386 %s\n", p->name, result(call32(p->nr32)));
		if (p->nrx32 >= 0)
			printf("%s x32 %s\n", p->name, result(call64(p->nrx32)));
	}
	return 0;
}
