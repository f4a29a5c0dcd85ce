/* The boot record: one JSON line per boot, appended to /logs/hardinit/boots.jsonl
 * (json-c). Encoding and reading are pure; record_apply.c writes. */
#ifndef HARDINIT_RECORD_H
#define HARDINIT_RECORD_H

#include <stddef.h>
#include <stdio.h>

#define RECORD_DIR "hardinit"
#define RECORD_FILE "boots.jsonl"
#define RECORD_STEPS_MAX 32       /* at least BOOT_STEPS_MAX (plan.c checks) */

struct record_step {
	const char *name;
	unsigned ms;
};

struct boot_record {
	long long time;               /* seconds since the epoch (the VM's clock) */
	const char *slot;             /* a | b | none (init= mode) | ? (failed before the choice) */
	unsigned long long version;
	const char *verity;           /* verified | unsigned | none */
	const char *outcome;          /* ready | failed */
	const char *failed_step;      /* NULL when ready */
	const char *reason;           /* NULL when ready */
	const char *data;             /* persistent | degraded */
	const char *data_reason;      /* NULL when persistent */
	const char *data_protection;  /* none | tpm ([data] protection) */
	const char *data_crypt;       /* protection = tpm: sealed (this boot formatted and
	                               * enrolled it) | migrated (this boot encrypted a plaintext
	                               * one in place) | unlocked | locked; NULL otherwise */
	const char *logs;             /* persistent | volatile */
	const char *overlays;         /* "/etc,/home,/root,/var" */
	const char *mount_audit;      /* "ok: N mounts" or the mismatch */
	const char *firewall;
	const char *loader;           /* the boot chain (UEFI boots): LoaderInfo, NULL if none */
	const char *stub;             /* StubInfo, NULL if none */
	const char *boot_image;       /* the boot image's partition UUID, NULL if none */
	const char *tpm;              /* measured boot: none | unmeasured | measured | failed;
	                               * NULL when the boot failed before measure-enter */
	const char *pcr_bank;         /* the bank the PCR values below were read from */
	const char *pcr11_enter_initrd; /* PCR 11 read after "enter-initrd" (hex), NULL if not read */
	const char *pcr15;            /* PCR 15 read after the image's identity */
	const char *pcr11_leave_initrd; /* PCR 11 read after "leave-initrd" */
	unsigned quarantined;         /* entries moved aside on the data and logs partitions */
	unsigned init_ms;
	long peak_rss_kib;            /* hardinit's peak resident set when the record is written */
	struct record_step steps[RECORD_STEPS_MAX];
	size_t n_steps;
};

/* Encodes the record as one line of JSON (no newline). Returns a malloc'd string, or
 * NULL when out of memory. */
char *record_encode(const struct boot_record *r);

/* Calls fn for each line of text that is a JSON object, in order; a line that is not
 * (a torn last line after a power cut, say) is skipped and counted.
 * Returns the number of lines skipped. */
size_t record_read_lines(const char *text, void (*fn)(const char *json_line, void *data), void *data);

/* Writes one record line (JSON) as text for people: one line, with the reason, a
 * degraded data partition, the boot chain, the measured boot (unless tpm is none) and
 * quarantined entries on lines below. A
 * line that is not JSON writes nothing; a member that is missing or of another type
 * prints as "-" or -1. The line is read from the logs partition, so any bytes may come:
 * those outside printable ASCII are written as \xHH, never raw to a terminal. */
void record_format(const char *json_line, FILE *out);

#endif
