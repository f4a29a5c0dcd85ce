#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "init/partitions.h"

int devices_check_room(const struct device_list *list, struct fault *f)
{
	if (list->n < DEVICES_MAX)
		return 0;
	return fault_set(f, E2BIG, "more than %d partitions: unable to check that each label is on one only",
			 DEVICES_MAX);
}

int devices_parse_text(const char *text, struct device_list *ret, struct fault *f)
{
	int line = 0, r;

	ret->n = 0;
	while (*text) {
		char buf[256], path[64], label[sizeof(ret->devices[0].partlabel)];
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char extra;

		line++;
		if (len >= sizeof(buf))
			return fault_set(f, EINVAL, "devices line %d is too long", line);
		memcpy(buf, text, len);
		buf[len] = '\0';
		text += len + (nl ? 1 : 0);
		if (buf[strspn(buf, " \t")] == '\0' || buf[strspn(buf, " \t")] == '#')
			continue;
		if (sscanf(buf, " %63s partlabel=%144s %c", path, label, &extra) != 2 || path[0] != '/')
			return fault_set(f, EINVAL, "devices line %d: expected '/dev/NAME partlabel=LABEL'", line);
		if ((r = devices_check_room(ret, f)) < 0)
			return r;
		snprintf(ret->devices[ret->n].path, sizeof(ret->devices[0].path), "%s", path);
		snprintf(ret->devices[ret->n].partlabel, sizeof(ret->devices[0].partlabel), "%s", label);
		ret->n++;
	}
	return 0;
}

int devices_find_label(const struct device_list *list, const char *label, struct fault *f)
{
	int found = -1;

	for (size_t i = 0; i < list->n; i++) {
		if (strcmp(list->devices[i].partlabel, label) != 0)
			continue;
		if (found >= 0)
			return fault_set(f, ENOTUNIQ, "partition label %s is on both %s and %s", label,
					 list->devices[found].path, list->devices[i].path);
		found = (int)i;
	}
	if (found < 0)
		return fault_set(f, ENOENT, "no partition is labelled %s", label);
	return found;
}
