#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "tpm/tpm_apply.h"

int tpm_apply_open(struct fault *f)
{
	int fd = open(TPM_DEVICE, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 && errno == ENOENT)
		return fault_set(f, ENOENT, "no TPM 2.0 (%s is missing)", TPM_DEVICE);
	if (fd < 0)
		return fault_set(f, errno, "unable to open %s: %s", TPM_DEVICE, strerror(errno));
	return fd;
}

/* Sends the command cmd[0..len) and reads its response into rsp (TPM2_BUFFER_MAX
 * bytes). The kernel takes a whole command per write and returns a whole response per
 * read. Returns the response's length, or -errno. */
static ssize_t transact(int fd, const uint8_t *cmd, ssize_t len, uint8_t *rsp, const char *what, struct fault *f)
{
	ssize_t n;

	if (len < 0)
		return fault_set(f, (int)-len, "unable to marshal the %s command", what);
	do
		n = write(fd, cmd, (size_t)len);
	while (n < 0 && errno == EINTR);
	if (n != len)
		return fault_set(f, n < 0 ? errno : EIO, "unable to send %s to the TPM: %s", what,
				 n < 0 ? strerror(errno) : "a short write");
	do
		n = read(fd, rsp, TPM2_BUFFER_MAX);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fault_set(f, errno, "unable to read the TPM's %s response: %s", what, strerror(errno));
	return n;
}

int tpm_apply_banks(int fd, struct tpm2_banks *ret, struct fault *f)
{
	uint8_t cmd[64], rsp[TPM2_BUFFER_MAX];
	ssize_t n = transact(fd, cmd, tpm2_build_get_pcr_banks(cmd, sizeof(cmd)), rsp, "GetCapability(PCRS)", f);

	return n < 0 ? (int)n : tpm2_parse_get_pcr_banks(rsp, (size_t)n, ret, f);
}

int tpm_apply_extend(int fd, unsigned pcr, const struct tpm2_digest *digests, size_t n, struct fault *f)
{
	uint8_t cmd[TPM2_BUFFER_MAX], rsp[TPM2_BUFFER_MAX];
	ssize_t len = transact(fd, cmd, tpm2_build_pcr_extend(pcr, digests, n, cmd, sizeof(cmd)), rsp, "PCR_Extend", f);

	return len < 0 ? (int)len : tpm2_parse_pcr_extend(rsp, (size_t)len, f);
}

int tpm_apply_read(int fd, uint16_t alg, uint32_t mask, struct tpm2_digest *out, struct fault *f)
{
	uint8_t cmd[64], rsp[TPM2_BUFFER_MAX];
	ssize_t n = transact(fd, cmd, tpm2_build_pcr_read(alg, mask, cmd, sizeof(cmd)), rsp, "PCR_Read", f);

	return n < 0 ? (int)n : tpm2_parse_pcr_read(rsp, (size_t)n, alg, mask, out, f);
}

int tpm_apply_nv_define(int fd, const struct tpm2_nv_public *pub, struct fault *f)
{
	uint8_t cmd[128], rsp[TPM2_BUFFER_MAX];
	ssize_t n = transact(fd, cmd, tpm2_build_nv_define_space(pub, cmd, sizeof(cmd)), rsp, "NV_DefineSpace", f);

	return n < 0 ? (int)n : tpm2_parse_nv_no_params(rsp, (size_t)n, "NV_DefineSpace", f);
}

int tpm_apply_nv_read_public(int fd, uint32_t index, struct tpm2_nv_public *ret, struct fault *f)
{
	uint8_t cmd[64], rsp[TPM2_BUFFER_MAX];
	ssize_t n = transact(fd, cmd, tpm2_build_nv_read_public(index, cmd, sizeof(cmd)), rsp, "NV_ReadPublic", f);

	return n < 0 ? (int)n : tpm2_parse_nv_read_public(rsp, (size_t)n, index, ret, f);
}

int tpm_apply_nv_read(int fd, uint32_t index, uint8_t *out, uint16_t len, struct fault *f)
{
	uint8_t cmd[64], rsp[TPM2_BUFFER_MAX];
	ssize_t n = transact(fd, cmd, tpm2_build_nv_read(index, len, 0, cmd, sizeof(cmd)), rsp, "NV_Read", f);
	int r = n < 0 ? (int)n : tpm2_parse_nv_read(rsp, (size_t)n, out, len, f);

	explicit_bzero(rsp, sizeof(rsp));
	return r;
}

int tpm_apply_nv_write(int fd, uint32_t index, const uint8_t *data, uint16_t len, struct fault *f)
{
	uint8_t cmd[TPM2_NV_DATA_MAX + 64], rsp[TPM2_BUFFER_MAX];
	ssize_t n = transact(fd, cmd, tpm2_build_nv_write(index, data, len, 0, cmd, sizeof(cmd)), rsp, "NV_Write", f);
	int r = n < 0 ? (int)n : tpm2_parse_nv_no_params(rsp, (size_t)n, "NV_Write", f);

	explicit_bzero(cmd, sizeof(cmd));
	return r;
}

int tpm_apply_nv_read_lock(int fd, uint32_t index, struct fault *f)
{
	uint8_t cmd[64], rsp[TPM2_BUFFER_MAX];
	ssize_t n = transact(fd, cmd, tpm2_build_nv_read_lock(index, cmd, sizeof(cmd)), rsp, "NV_ReadLock", f);

	return n < 0 ? (int)n : tpm2_parse_nv_no_params(rsp, (size_t)n, "NV_ReadLock", f);
}
