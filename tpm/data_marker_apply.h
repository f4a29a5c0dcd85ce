/* The data marker (data_marker.h) in the TPM's NV index: read, written (the index
 * defined first when it is not), read-locked for the rest of the boot. Through
 * tpm_apply.c's transport, on a descriptor from tpm_apply_open(). Any result other than
 * 0 and -ENOENT from data_marker_read means the marker cannot be trusted: the caller
 * fails closed (never formats, never migrates). docs/measured-boot.md. */
#ifndef HARDINIT_DATA_MARKER_APPLY_H
#define HARDINIT_DATA_MARKER_APPLY_H

#include <stdint.h>

#include "common/fault.h"
#include "tpm/data_marker.h"

/* Reads the marker at handle (in the owner range) into m. Returns 0; -ENOENT when no
 * index is defined at handle, or when hardinit's index is defined but was never written
 * (a power cut between its definition and its first write; f says which): both mean
 * "no marker" (state none); or, to fail closed on: -EEXIST, something other than
 * hardinit's index is at the handle (data_marker_check_public); -EBADMSG, the index
 * holds no valid marker (data_marker_decode); -EACCES, it is read-locked (already in
 * this boot); -EINVAL, a handle outside the owner range; another -errno from the TPM
 * or the device. m is zeroed unless 0 is returned; the caller zeroes m's key when done
 * with it. */
int data_marker_read(int fd, uint32_t handle, struct data_marker *m, struct fault *f);

/* Writes m (data_marker_encode's rules: -EINVAL before anything is sent) to the index
 * at handle, in one TPM2_NV_Write; defines the index first (data_marker_public) when
 * none is there. The TPM has it in NV when this returns 0. Returns 0, -EEXIST when
 * something other than hardinit's index is at the handle, -EINVAL, or another -errno
 * from the TPM (-ENOSPC: no room for another index) or the device. */
int data_marker_write(int fd, uint32_t handle, const struct data_marker *m, struct fault *f);

/* Read-locks hardinit's index at handle (TPM2_NV_ReadLock): no one can read the marker,
 * and so a temporary key, until the TPM's next Startup(CLEAR), that is the next boot.
 * For the end of the initramfs phase, before the service tree starts. Returns 0 (also
 * when no index is defined: nothing to hide), -EEXIST when another index is at the
 * handle, -EINVAL, or another -errno. */
int data_marker_lock(int fd, uint32_t handle, struct fault *f);

#endif
