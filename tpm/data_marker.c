#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "tpm/data_marker.h"

static const uint8_t magic[4] = { 'h', 'd', 'm', 'k' };

#define OFF_VERSION 4
#define OFF_STATE 5
#define OFF_ZERO 6
#define OFF_KEY 8
#define OFF_CRC 40

const char *data_marker_state_name(enum data_marker_state state)
{
	switch (state) {
	case DATA_MARKER_NONE: return "none";
	case DATA_MARKER_FORMATTING: return "formatting";
	case DATA_MARKER_MIGRATING: return "migrating";
	case DATA_MARKER_SEALED: return "sealed";
	default: return NULL;
	}
}

/* CRC-32 as zlib's crc32() (reflected, polynomial 0xEDB88320, inverted). */
static uint32_t marker_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & -(c & 1u));
	}
	return ~c;
}

static bool key_zero(const uint8_t key[DATA_MARKER_KEY_SIZE])
{
	uint8_t any = 0;

	for (size_t i = 0; i < DATA_MARKER_KEY_SIZE; i++)
		any |= key[i];
	return any == 0;
}

/* The key rule: a key under FORMATTING and MIGRATING, none otherwise. Returns 0 or
 * -err (f says why). */
static int check_key(enum data_marker_state state, const uint8_t key[DATA_MARKER_KEY_SIZE], int err,
		     struct fault *f)
{
	bool has_key = state == DATA_MARKER_FORMATTING || state == DATA_MARKER_MIGRATING;

	if (!data_marker_state_name(state))
		return fault_set(f, err, "a data marker of unknown state %d", (int)state);
	if (has_key && key_zero(key))
		return fault_set(f, err, "a data marker in state %s without its temporary key", data_marker_state_name(state));
	if (!has_key && !key_zero(key))
		return fault_set(f, err, "a data marker in state %s with a key", data_marker_state_name(state));
	return 0;
}

int data_marker_encode(const struct data_marker *m, uint8_t out[DATA_MARKER_SIZE], struct fault *f)
{
	uint32_t crc;
	int e;

	if ((e = check_key(m->state, m->key, EINVAL, f)) < 0)
		return e;
	memcpy(out, magic, sizeof(magic));
	out[OFF_VERSION] = DATA_MARKER_VERSION;
	out[OFF_STATE] = (uint8_t)m->state;
	out[OFF_ZERO] = 0;
	out[OFF_ZERO + 1] = 0;
	memcpy(out + OFF_KEY, m->key, DATA_MARKER_KEY_SIZE);
	crc = marker_crc32(out, OFF_CRC);
	out[OFF_CRC] = (uint8_t)(crc >> 24);
	out[OFF_CRC + 1] = (uint8_t)(crc >> 16);
	out[OFF_CRC + 2] = (uint8_t)(crc >> 8);
	out[OFF_CRC + 3] = (uint8_t)crc;
	return 0;
}

int data_marker_decode(const uint8_t *buf, size_t len, struct data_marker *m, struct fault *f)
{
	uint32_t crc;
	int e;

	memset(m, 0, sizeof(*m));
	if (len != DATA_MARKER_SIZE)
		return fault_set(f, EBADMSG, "the data marker is %zu bytes, not %d", len, DATA_MARKER_SIZE);
	if (memcmp(buf, magic, sizeof(magic)) != 0)
		return fault_set(f, EBADMSG, "the NV index does not hold a data marker (no magic)");
	if (buf[OFF_VERSION] != DATA_MARKER_VERSION)
		return fault_set(f, EBADMSG, "a data marker of version %u, not %d", buf[OFF_VERSION], DATA_MARKER_VERSION);
	crc = (uint32_t)buf[OFF_CRC] << 24 | (uint32_t)buf[OFF_CRC + 1] << 16 | (uint32_t)buf[OFF_CRC + 2] << 8 |
	      buf[OFF_CRC + 3];
	if (crc != marker_crc32(buf, OFF_CRC))
		return fault_set(f, EBADMSG, "the data marker's checksum does not match its bytes");
	if (buf[OFF_ZERO] || buf[OFF_ZERO + 1])
		return fault_set(f, EBADMSG, "the data marker's reserved bytes are not zero");
	if ((e = check_key((enum data_marker_state)buf[OFF_STATE], buf + OFF_KEY, EBADMSG, f)) < 0)
		return e;
	m->state = (enum data_marker_state)buf[OFF_STATE];
	memcpy(m->key, buf + OFF_KEY, DATA_MARKER_KEY_SIZE);
	return 0;
}

int data_marker_handle_ok(uint32_t handle)
{
	return handle >= DATA_MARKER_HANDLE_FIRST && handle <= DATA_MARKER_HANDLE_LAST;
}

void data_marker_public(uint32_t handle, struct tpm2_nv_public *pub)
{
	memset(pub, 0, sizeof(*pub));
	pub->index = handle;
	pub->name_alg = TPM2_ALG_SHA256;
	pub->attributes = DATA_MARKER_ATTRIBUTES;
	pub->policy_size = 0;
	pub->data_size = DATA_MARKER_SIZE;
}

int data_marker_check_public(const struct tpm2_nv_public *pub, uint32_t handle, struct fault *f)
{
	uint32_t state = TPM2_NV_WRITTEN | TPM2_NV_READLOCKED;

	if (pub->index != handle)
		return fault_set(f, EEXIST, "NV index 0x%08x: the TPM described index 0x%08x", handle, pub->index);
	if (pub->name_alg != TPM2_ALG_SHA256)
		return fault_set(f, EEXIST, "NV index 0x%08x is not hardinit's data marker: name algorithm 0x%04x, not "
				 "SHA-256", handle, pub->name_alg);
	if ((pub->attributes & ~state) != DATA_MARKER_ATTRIBUTES)
		return fault_set(f, EEXIST, "NV index 0x%08x is not hardinit's data marker: attributes 0x%08x, not 0x%08x",
				 handle, pub->attributes & ~state, DATA_MARKER_ATTRIBUTES);
	if (pub->policy_size != 0)
		return fault_set(f, EEXIST, "NV index 0x%08x is not hardinit's data marker: it has an authorisation policy",
				 handle);
	if (pub->data_size != DATA_MARKER_SIZE)
		return fault_set(f, EEXIST, "NV index 0x%08x is not hardinit's data marker: %u bytes, not %d", handle,
				 pub->data_size, DATA_MARKER_SIZE);
	return 0;
}
