/* The data marker: what this appliance's TPM remembers about its data partition, in
 * one NV index (non-volatile memory inside the TPM), so that the holder of the disk
 * file cannot reset it. Once the data partition has been sealed to the TPM (LUKS2, the
 * key sealed to the signed PCR 11 policy), a plaintext file system in that partition is
 * an attack (someone with the disk planting /etc), not an appliance that was never
 * migrated: the marker says which. During a first-boot format or a migration it also
 * holds the temporary 32-byte key of the volume's temporary keyslot, so that a power
 * cut can resume; hardinit zeroes it when the TPM token is enrolled.
 * Pure: encoding, decoding and the public area hardinit defines. The TPM side is
 * data_marker_apply.c. docs/measured-boot.md.
 *
 * The index: a handle in the owner range (0x01800000-0x01BFFFFF; DATA_MARKER_HANDLE
 * unless the caller says otherwise), name algorithm SHA-256, no authorisation policy,
 * an empty authValue, DATA_MARKER_SIZE bytes, and exactly these attributes:
 *   AUTHREAD | AUTHWRITE  read and written with the index's own (empty) authValue: no
 *                         owner authorisation needed after the index is defined;
 *   NO_DA                 a wrong authorisation against it never counts towards the
 *                         TPM's dictionary-attack lockout, and a lockout (whoever
 *                         caused it) never stops hardinit from reading the marker;
 *   READ_STCLEAR          hardinit read-locks it (data_marker_lock) before the service
 *                         tree starts: no one reads the temporary key until the next
 *                         boot's TPM Startup(CLEAR);
 * and without ORDERLY (a write is in the TPM's NV when the TPM answers, not at an
 * orderly shutdown a power cut would skip), without the owner's or the platform's
 * read or write authorisation, and not platform-created. An index with anything else at
 * the handle is not hardinit's: data_marker_check_public refuses it and the caller
 * fails closed (never formats, never migrates).
 *
 * Who can change it. The holder of the disk file alone cannot: the marker is in the
 * TPM. Anyone who can send the TPM commands can: the service tree's root (through
 * /dev/tpmrm0) and whoever holds a virtual TPM's state. The owner hierarchy's
 * authValue is empty (systemd's TPM2 enrolment creates its storage key under it, so it
 * cannot simply be set), so such a party can undefine the index (TPM2_NV_UndefineSpace
 * with TPM_RH_OWNER) or clear the TPM (TPM2_Clear, the lockout authValue being empty
 * too), and can write the index with its empty authValue; the next boot then finds no
 * marker (or the state they wrote) and would migrate a plaintext file system in the
 * data partition as an old appliance's. A write lock would not stop that (an undefine
 * and a new index with the same attributes would), so the index has none. This adds
 * nothing for root in the service tree, who can already change /etc through the
 * overlay on the data partition; it is a limit for whoever holds the TPM's state. What
 * the read lock does stop: the service tree reading a temporary key left by a format
 * or a migration that did not finish (and a boot that then went on degraded). */
#ifndef HARDINIT_DATA_MARKER_H
#define HARDINIT_DATA_MARKER_H

#include <stddef.h>
#include <stdint.h>

#include "common/fault.h"
#include "tpm/tpm2_cmd.h"

#define DATA_MARKER_HANDLE 0x01A0DA7Au   /* default NV index handle (owner range) */
#define DATA_MARKER_HANDLE_FIRST 0x01800000u
#define DATA_MARKER_HANDLE_LAST 0x01BFFFFFu
#define DATA_MARKER_KEY_SIZE 32
#define DATA_MARKER_SIZE 44              /* bytes of the encoded marker and of the index */
#define DATA_MARKER_VERSION 1
#define DATA_MARKER_ATTRIBUTES \
	(TPM2_NV_AUTHREAD | TPM2_NV_AUTHWRITE | TPM2_NV_NO_DA | TPM2_NV_READ_STCLEAR)

enum data_marker_state {
	DATA_MARKER_NONE = 0,            /* nothing sealed (as good as no index) */
	DATA_MARKER_FORMATTING = 1,      /* a first-boot format is under way: key set */
	DATA_MARKER_MIGRATING = 2,       /* a migration of plaintext data is under way: key set */
	DATA_MARKER_SEALED = 3,          /* the data partition is sealed to this TPM */
};

struct data_marker {
	enum data_marker_state state;
	uint8_t key[DATA_MARKER_KEY_SIZE]; /* all zero unless FORMATTING or MIGRATING */
};

/* "none", "formatting", "migrating", "sealed", or NULL for another value. */
const char *data_marker_state_name(enum data_marker_state state);

/* Encodes m into out (DATA_MARKER_SIZE bytes):
 *   0  magic "hdmk"        4  version (1)     5  state     6  two zero bytes
 *   8  the 32-byte key     40 CRC-32 (as zlib's crc32) of bytes 0-39, big-endian.
 * Returns 0, or -EINVAL for an unknown state, a key that is not all zero under NONE or
 * SEALED, or an all-zero key under FORMATTING or MIGRATING (f says which). */
int data_marker_encode(const struct data_marker *m, uint8_t out[DATA_MARKER_SIZE], struct fault *f);

/* Decodes the len bytes of an index. Returns 0 with m filled, or -EBADMSG for anything
 * data_marker_encode would not have written: another size, magic, version, state, a
 * checksum that does not match (a foreign index, or a write torn by the TPM), the key
 * rule broken, the zero bytes not zero (m is zeroed then). */
int data_marker_decode(const uint8_t *buf, size_t len, struct data_marker *m, struct fault *f);

/* Whether handle is in the owner range of NV indices (the policy may choose one). */
int data_marker_handle_ok(uint32_t handle);

/* The public area hardinit defines for the marker at handle. */
void data_marker_public(uint32_t handle, struct tpm2_nv_public *pub);

/* Whether the index's public area, as the TPM reported it for handle, is exactly what
 * data_marker_public(handle) defines, give or take the TPM's state bits WRITTEN and
 * READLOCKED. Returns 0, or -EEXIST: something else is at the handle (f says what
 * differs); the caller fails closed. */
int data_marker_check_public(const struct tpm2_nv_public *pub, uint32_t handle, struct fault *f);

#endif
