/* euid: the setuid probe for the hostile data partition test. Run as root, it drops to
 * nobody (65534) and executes itself; the child prints its effective uid. Installed
 * setuid-root on a nosuid mount, the child must print 65534: were the setuid bit
 * honoured, it would print 0. Built static so that it runs from any filesystem. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		printf("euid=%u\n", (unsigned)geteuid());
		return 0;
	}
	if (setgid(65534) < 0 || setuid(65534) < 0) {
		perror("euid: unable to drop to nobody");
		return 1;
	}
	execl("/proc/self/exe", argv[0], "child", (char *)NULL);
	perror("euid: unable to execute itself");
	return 1;
}
