/* The boot chain's names, read from the firmware's variables on a UEFI boot: the
 * loader (LoaderInfo, set by hardinit-loader), the stub (StubInfo) and the partition
 * the stub was loaded from (LoaderDevicePartUUID: systemd-stub sets it when no loader
 * did, and hardinit-loader does not, so it names the boot image's boot-X partition).
 * efivarfs is mounted read-only, nosuid, nodev, noexec on a private directory for the
 * read and detached after it; each value is read with a bound and parsed by
 * common/efivar.c. The stub's StubPcrKernelImage (the PCR it measured the boot image
 * into) is read here for the measure steps. docs/boot-chain.md. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/efivar.h"
#include "common/log.h"
#include "init/boot.h"
#include "init/modules_apply.h"

#define EFIVARS_DIR "/run/hardinit/efivars"
#define LOADER_VENDOR "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

/* Reads variable `name` of the loader vendor GUID into buf: at most EFIVAR_FILE_MAX
 * bytes, no symlink. Returns the length, or -1 when it is missing, unreadable or longer. */
static ssize_t read_var(int dir, const char *name, uint8_t buf[EFIVAR_FILE_MAX + 1])
{
	char file[128];
	ssize_t len = 0, n;
	int fd;

	snprintf(file, sizeof(file), "%s-%s", name, LOADER_VENDOR);
	if ((fd = openat(dir, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -1;
	while (len <= EFIVAR_FILE_MAX && (n = read(fd, buf + len, (size_t)(EFIVAR_FILE_MAX + 1 - len))) > 0)
		len += n;
	close(fd);
	return len > EFIVAR_FILE_MAX ? -1 : len;
}

int boot_chain_read(struct kmod_ctx *kmod, struct boot_chain *ret, struct fault *f)
{
	uint8_t buf[EFIVAR_FILE_MAX + 1];
	ssize_t len;
	int dir, r;

	memset(ret, 0, sizeof(*ret));
	if (access("/sys/firmware/efi", F_OK) < 0)
		return 0;                   /* not a UEFI boot: nothing to name */
	ret->firmware = true;
	if ((r = modules_load(kmod, "efivarfs", f)) < 0)
		return r;
	if (mkdir(EFIVARS_DIR, 0700) < 0 && errno != EEXIST)
		return fault_set(f, errno, "unable to create %s: %s", EFIVARS_DIR, strerror(errno));
	if (mount("efivarfs", EFIVARS_DIR, "efivarfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fault_set(f, errno, "unable to mount efivarfs on %s: %s", EFIVARS_DIR, strerror(errno));
	if ((dir = open(EFIVARS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if ((len = read_var(dir, "LoaderInfo", buf)) >= 0)
			(void)efivar_parse_text(buf, (size_t)len, ret->loader, sizeof(ret->loader));
		if ((len = read_var(dir, "StubInfo", buf)) >= 0)
			(void)efivar_parse_text(buf, (size_t)len, ret->stub, sizeof(ret->stub));
		if ((len = read_var(dir, "LoaderDevicePartUUID", buf)) >= 0)
			(void)efivar_parse_uuid(buf, (size_t)len, ret->boot_image);
		if ((len = read_var(dir, "StubPcrKernelImage", buf)) >= 0)
			(void)efivar_parse_text(buf, (size_t)len, ret->stub_pcr, sizeof(ret->stub_pcr));
		close(dir);
	}
	if (umount2(EFIVARS_DIR, MNT_DETACH) < 0)
		log_warning("unable to detach %s: %s, continuing", EFIVARS_DIR, strerror(errno));
	(void)rmdir(EFIVARS_DIR);
	log_notice("boot chain: loader=%s stub=%s boot_image=%s", ret->loader[0] ? ret->loader : "none",
		   ret->stub[0] ? ret->stub : "none", ret->boot_image[0] ? ret->boot_image : "none");
	return 0;
}
