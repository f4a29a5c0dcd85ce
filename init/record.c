#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "init/record.h"

static void add_string(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : json_object_new_null());
}

/* json-c seeds its default string hash from getrandom(), which blocks PID 1 until the
 * kernel's random pool is ready (about a second under TCG). The record's keys are our
 * own, so the seedless hash is fine. */
static void record_use_seedless_hash(void)
{
	(void)json_global_set_string_hash(JSON_C_STR_HASH_PERLLIKE); /* fails only for an unknown hash id */
}

char *record_encode(const struct boot_record *r)
{
	json_object *o;
	json_object *steps;
	char *line = NULL;

	record_use_seedless_hash();
	o = json_object_new_object();
	steps = json_object_new_array();
	if (!o || !steps) {
		json_object_put(o);
		json_object_put(steps);
		return NULL;
	}
	json_object_object_add(o, "time", json_object_new_int64(r->time));
	add_string(o, "slot", r->slot);
	/* init= mode boots no slot image: no version */
	json_object_object_add(o, "version", strcmp(r->slot, "none") == 0 ? NULL : json_object_new_uint64(r->version));
	add_string(o, "verity", r->verity);
	add_string(o, "outcome", r->outcome);
	add_string(o, "failed_step", r->failed_step);
	add_string(o, "reason", r->reason);
	add_string(o, "data", r->data);
	add_string(o, "data_reason", r->data_reason);
	add_string(o, "data_protection", r->data_protection);
	add_string(o, "data_crypt", r->data_crypt);
	add_string(o, "logs", r->logs);
	add_string(o, "overlays", r->overlays);
	add_string(o, "mount_audit", r->mount_audit);
	add_string(o, "firewall", r->firewall);
	add_string(o, "loader", r->loader);
	add_string(o, "stub", r->stub);
	add_string(o, "boot_image", r->boot_image);
	add_string(o, "tpm", r->tpm);
	add_string(o, "pcr_bank", r->pcr_bank);
	add_string(o, "pcr11_enter_initrd", r->pcr11_enter_initrd);
	add_string(o, "pcr15", r->pcr15);
	add_string(o, "pcr11_leave_initrd", r->pcr11_leave_initrd);
	json_object_object_add(o, "quarantined", json_object_new_int((int)r->quarantined));
	json_object_object_add(o, "init_ms", json_object_new_int((int)r->init_ms));
	json_object_object_add(o, "peak_rss_kib", json_object_new_int64(r->peak_rss_kib));
	for (size_t i = 0; i < r->n_steps; i++) {
		json_object *s = json_object_new_object();
		add_string(s, "step", r->steps[i].name);
		json_object_object_add(s, "ms", json_object_new_int((int)r->steps[i].ms));
		json_object_array_add(steps, s);
	}
	json_object_object_add(o, "steps", steps);
	line = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return line;
}

size_t record_read_lines(const char *text, void (*fn)(const char *json_line, void *data), void *data)
{
	size_t skipped = 0;

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char *line = strndup(text, len);
		json_object *o = line ? json_tokener_parse(line) : NULL;

		if (o && json_object_is_type(o, json_type_object))
			fn(line, data);
		else if (len > 0)
			skipped++;
		json_object_put(o);
		free(line);
		text += len + (nl ? 1 : 0);
	}
	return skipped;
}

/* The string member key of o, or "-" when it is missing or not a string. */
static const char *str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : "-";
}

/* The integer member key of o (json-c converts other types), or -1 when it is missing. */
static long long num(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* Writes text with every byte outside printable ASCII as \xHH: a record comes from the
 * logs partition, and a terminal must not receive its escape sequences. */
static void put_text(FILE *out, const char *text)
{
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c >= 0x20 && *c < 0x7f)
			fputc(*c, out);
		else
			fprintf(out, "\\x%02x", *c);
	}
}

/* Writes "label" then text (as put_text). */
static void put_field(FILE *out, const char *label, const char *text)
{
	fputs(label, out);
	put_text(out, text);
}

void record_format(const char *line, FILE *out)
{
	json_object *o = json_tokener_parse(line);

	if (!o)
		return;
	fprintf(out, "%-10lld", num(o, "time"));
	put_field(out, " slot=", str(o, "slot"));
	fprintf(out, " version=%lld", num(o, "version"));
	put_field(out, " verity=", str(o, "verity"));
	put_field(out, " data=", str(o, "data"));
	if (strcmp(str(o, "data_protection"), "tpm") == 0)
		put_field(out, " sealed=", str(o, "data_crypt"));
	put_field(out, " logs=", str(o, "logs"));
	put_field(out, " audit=", str(o, "mount_audit"));
	fprintf(out, " init_ms=%lld", num(o, "init_ms"));
	put_field(out, " ", str(o, "outcome"));
	if (strcmp(str(o, "outcome"), "failed") == 0) {
		put_field(out, " at ", str(o, "failed_step"));
		put_field(out, ": ", str(o, "reason"));
	}
	if (strcmp(str(o, "data"), "degraded") == 0)
		put_field(out, "\n           data degraded: ", str(o, "data_reason"));
	if (strcmp(str(o, "loader"), "-") != 0 || strcmp(str(o, "boot_image"), "-") != 0) {
		put_field(out, "\n           boot chain: loader=", str(o, "loader"));
		put_field(out, " stub=", str(o, "stub"));
		put_field(out, " boot_image=", str(o, "boot_image"));
	}
	if (strcmp(str(o, "tpm"), "-") != 0 && strcmp(str(o, "tpm"), "none") != 0) {
		put_field(out, "\n           tpm: ", str(o, "tpm"));
		put_field(out, " bank=", str(o, "pcr_bank"));
		put_field(out, " pcr11 enter-initrd=", str(o, "pcr11_enter_initrd"));
		put_field(out, " leave-initrd=", str(o, "pcr11_leave_initrd"));
		put_field(out, " pcr15=", str(o, "pcr15"));
	}
	if (num(o, "quarantined") > 0)
		fprintf(out, "\n           %lld entries moved aside on the data or logs partition", num(o, "quarantined"));
	fputc('\n', out);
	json_object_put(o);
}
