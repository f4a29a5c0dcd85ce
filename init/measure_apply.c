/* Measured boot: the boot phases systemd extends into PCR 11 and the booted image's
 * identity into PCR 15, through tpm/ (what to extend: measure_plan.c; the TPM's bytes:
 * tpm2_cmd.c; the device: tpm_apply.c). docs/measured-boot.md. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/log.h"
#include "init/boot.h"
#include "tpm/data_marker_apply.h"
#include "tpm/measure_plan.h"
#include "tpm/tpm_apply.h"

#define PCR_MASK(n) (1u << (n))

/* The bank the PCR values are read from for the record: SHA-256 (the bank systemd's
 * signed PCR policies use) when the TPM has it for both PCRs, else the first usable. */
static uint16_t read_bank(const struct tpm2_banks *banks)
{
	uint32_t both = PCR_MASK(MEASURE_PCR_PHASE) | PCR_MASK(MEASURE_PCR_IDENTITY);
	uint16_t first = 0;

	for (size_t i = 0; i < banks->n && i < TPM2_BANKS_MAX; i++) {
		if ((banks->pcrs[i] & both) != both || !tpm2_alg_digest_size(banks->alg[i]))
			continue;
		if (banks->alg[i] == TPM2_ALG_SHA256)
			return TPM2_ALG_SHA256;
		if (!first)
			first = banks->alg[i];
	}
	return first;
}

/* Extends PCR pcr with text in every usable bank. Returns 0, or -errno (also when no
 * bank has the PCR). */
static int extend(int fd, const struct tpm2_banks *banks, unsigned pcr, const char *text, struct fault *f)
{
	struct tpm2_digest d[TPM2_BANKS_MAX];
	int n = measure_plan_digests(banks, pcr, text, d, f);

	if (n == 0)
		return fault_set(f, ENOENT, "the TPM has no bank hardinit can extend PCR %u in", pcr);
	return n < 0 ? n : tpm_apply_extend(fd, pcr, d, (size_t)n, f);
}

/* Reads the PCRs of mask in the record's bank into the hex strings out[] (ascending
 * PCR order). Returns 0 or -errno. */
static int read_hex(int fd, struct boot_measure *m, uint16_t alg, uint32_t mask, char *const out[], struct fault *f)
{
	struct tpm2_digest d[2];
	int r = tpm_apply_read(fd, alg, mask, d, f);

	if (r < 0)
		return r;
	for (int i = 0; i < __builtin_popcount(mask); i++)
		hex_encode(d[i].bytes, d[i].size, out[i]);
	m->bank = tpm2_alg_name(alg);
	return 0;
}

/* What measure_enter does once the TPM is open and the stub measured. */
static int enter(int fd, struct boot_state *st, struct fault *f)
{
	struct boot_measure *m = &st->measure;
	char identity[MEASURE_IDENTITY_MAX], banks_text[64];
	struct tpm2_banks banks;
	uint16_t alg;
	int r;

	if ((r = tpm_apply_banks(fd, &banks, f)) < 0)
		return r;
	if ((r = measure_plan_identity(st->plan->slot, (unsigned long long)st->footer.version, st->footer.root_hash,
				       st->footer.root_hash_size, identity, sizeof(identity), f)) < 0)
		return r;
	if ((r = extend(fd, &banks, MEASURE_PCR_PHASE, MEASURE_PHASE_ENTER, f)) < 0)
		return r;
	m->entered = true;
	if ((r = extend(fd, &banks, MEASURE_PCR_IDENTITY, identity, f)) < 0)
		return r;
	measure_plan_bank_names(&banks, MEASURE_PCR_PHASE, banks_text, sizeof(banks_text));
	if (!(alg = read_bank(&banks)))
		return fault_set(f, ENOENT, "no bank to read PCRs %d and %d from", MEASURE_PCR_PHASE, MEASURE_PCR_IDENTITY);
	if ((r = read_hex(fd, m, alg, PCR_MASK(MEASURE_PCR_PHASE) | PCR_MASK(MEASURE_PCR_IDENTITY),
			  (char *const[]){ m->pcr11_enter, m->pcr15 }, f)) < 0)
		return r;
	log_notice("measured \"%s\" into PCR %d and \"%s\" into PCR %d (banks %s): %s pcr11=%s pcr15=%s",
		   MEASURE_PHASE_ENTER, MEASURE_PCR_PHASE, identity, MEASURE_PCR_IDENTITY, banks_text, m->bank,
		   m->pcr11_enter, m->pcr15);
	return 0;
}

int measure_enter(struct boot_state *st, struct fault *f)
{
	struct fault why = { "" };
	int fd, r;

	memset(&st->measure, 0, sizeof(st->measure));
	st->measure.tpm = "none";
	if ((fd = tpm_apply_open(&why)) == -ENOENT) {
		log_notice("tpm: %s: nothing measured", why.text);
		return 0;
	}
	st->measure.tpm = "failed";
	if (fd < 0)
		return fault_set(f, -fd, "%s", why.text);
	if (!measure_plan_stub_measured(st->chain.stub_pcr)) {
		st->measure.tpm = "unmeasured";
		log_notice("tpm: the boot image's stub did not measure it into PCR %d (StubPcrKernelImage %s): nothing measured",
			   MEASURE_PCR_PHASE, st->chain.stub_pcr[0] ? st->chain.stub_pcr : "unset");
		close(fd);
		return 0;
	}
	if ((r = enter(fd, st, f)) == 0)
		st->measure.tpm = "measured";
	close(fd);
	return r;
}

/* Read-locks the TPM's data marker (tpm/data_marker.h) until the next boot, so that
 * the service tree cannot read a temporary key a first boot or a migration left in it:
 * whenever protection = tpm and there is a TPM, measured or not. Returns 0 (also without
 * a TPM, and when the index at the handle is not hardinit's: nothing of ours to hide),
 * or -errno. */
static int lock_marker(const struct boot_state *st, struct fault *f)
{
	struct fault why = { "" };
	int fd, r;

	if (st->plan->data_protection != DATA_PROTECTION_TPM)
		return 0;
	if ((fd = tpm_apply_open(&why)) == -ENOENT)
		return 0;
	if (fd < 0)
		return fault_set(f, -fd, "unable to read-lock the TPM's data marker: %s", why.text);
	r = data_marker_lock(fd, DATA_MARKER_HANDLE, &why);
	close(fd);
	if (r == -EEXIST) {
		log_warning("the TPM's data marker is not hardinit's (%s): not locked, continuing", why.text);
		return 0;
	}
	if (r < 0)
		return fault_set(f, -r, "unable to read-lock the TPM's data marker: %s", why.text);
	log_info("the TPM's data marker is read-locked until the next boot");
	return 0;
}

int measure_leave(struct boot_state *st, struct fault *f)
{
	struct boot_measure *m = &st->measure;
	struct tpm2_banks banks;
	uint16_t alg;
	int fd, r;

	if ((r = lock_marker(st, f)) < 0)
		return r;
	if (!m->entered)
		return 0;                   /* enter-initrd was not extended: neither is this */
	if ((fd = tpm_apply_open(f)) < 0) {
		m->tpm = "failed";
		return fd;
	}
	if ((r = tpm_apply_banks(fd, &banks, f)) == 0 && (r = extend(fd, &banks, MEASURE_PCR_PHASE, MEASURE_PHASE_LEAVE, f)) == 0) {
		if (!(alg = read_bank(&banks)))
			r = fault_set(f, ENOENT, "no bank to read PCR %d from", MEASURE_PCR_PHASE);
		else if ((r = read_hex(fd, m, alg, PCR_MASK(MEASURE_PCR_PHASE), (char *const[]){ m->pcr11_leave }, f)) == 0)
			log_notice("measured \"%s\" into PCR %d: %s pcr11=%s", MEASURE_PHASE_LEAVE, MEASURE_PCR_PHASE, m->bank,
				   m->pcr11_leave);
	}
	close(fd);
	if (r < 0)
		m->tpm = "failed";
	return r;
}
