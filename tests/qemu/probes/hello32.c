/* hello32: an i386 program (built with -m32 -static). With the i386 ABI denied
 * wholesale, every one of its syscalls returns ENOSYS: it must never print. */
#include <unistd.h>

int main(void)
{
	(void)!write(1, "i386 ran\n", 9);
	return 0;
}
