#include <errno.h>
#include <string.h>

#include "tpm/data_marker_apply.h"
#include "tpm/tpm_apply.h"

/* hardinit's index at handle, described by the TPM into pub. Returns 0, -ENOENT (none
 * defined), -EEXIST (another index), -EINVAL (a handle outside the owner range) or
 * another -errno. */
static int find(int fd, uint32_t handle, struct tpm2_nv_public *pub, struct fault *f)
{
	int r;

	if (!data_marker_handle_ok(handle))
		return fault_set(f, EINVAL, "NV index 0x%08x is not in the owner range 0x%08x-0x%08x", handle,
				 DATA_MARKER_HANDLE_FIRST, DATA_MARKER_HANDLE_LAST);
	if ((r = tpm_apply_nv_read_public(fd, handle, pub, f)) < 0)
		return r == -ENOENT ? fault_set(f, ENOENT, "no data marker: NV index 0x%08x is not defined", handle) : r;
	return data_marker_check_public(pub, handle, f);
}

int data_marker_read(int fd, uint32_t handle, struct data_marker *m, struct fault *f)
{
	struct tpm2_nv_public pub;
	uint8_t buf[DATA_MARKER_SIZE];
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = find(fd, handle, &pub, f)) < 0)
		return r;
	if (!(pub.attributes & TPM2_NV_WRITTEN))
		return fault_set(f, ENOENT, "no data marker: NV index 0x%08x is defined but was never written", handle);
	if ((r = tpm_apply_nv_read(fd, handle, buf, sizeof(buf), f)) == 0)
		r = data_marker_decode(buf, sizeof(buf), m, f);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int data_marker_write(int fd, uint32_t handle, const struct data_marker *m, struct fault *f)
{
	struct tpm2_nv_public pub;
	uint8_t buf[DATA_MARKER_SIZE];
	int r;

	if ((r = data_marker_encode(m, buf, f)) < 0)
		return r;
	if ((r = find(fd, handle, &pub, f)) == -ENOENT) {
		data_marker_public(handle, &pub);
		r = tpm_apply_nv_define(fd, &pub, f);
	}
	if (r == 0)
		r = tpm_apply_nv_write(fd, handle, buf, sizeof(buf), f);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int data_marker_lock(int fd, uint32_t handle, struct fault *f)
{
	struct tpm2_nv_public pub;
	int r = find(fd, handle, &pub, f);

	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : tpm_apply_nv_read_lock(fd, handle, f);
}
