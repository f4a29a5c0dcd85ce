#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "overlay/overlay_plan.h"

/* "/var/lib/x" → "var-lib-x". */
static void path_to_name(const char *path, char *name, size_t size)
{
	snprintf(name, size, "%s", path + 1);
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '-';
}

/* Returns the part of path below dir ("lib/x" for "/var/lib/x" under "/var"), or
 * NULL if path is not strictly inside dir. */
static const char *path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return NULL;
}

/* True if path is dir or lies below it. */
static bool path_at_or_below(const char *path, const char *dir)
{
	return strcmp(path, dir) == 0 || path_below(path, dir) != NULL;
}

/* Refuses two mounts of one list whose names (the directories on the data partition
 * that hold their state) are equal: "/srv/a-b" and "/srv-a/b" are both "srv-a-b".
 * Returns 0 or -EINVAL. */
static int check_names_distinct(const struct state_mount *list, size_t n, const char *what, struct fault *f)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(list[i].name, list[j].name) == 0)
				return fault_set(f, EINVAL, "%s %s and %s would share the state directory %s/%ss/%s",
						 what, list[j].target, list[i].target, EFLOW_DIR, what, list[i].name);
	return 0;
}

/* Fills m for target and finds the overlay it lies in. */
static void place(struct state_mount *m, const char *target, const struct state_plan *plan)
{
	snprintf(m->target, sizeof(m->target), "%s", target);
	path_to_name(target, m->name, sizeof(m->name));
	m->in_overlay = -1;
	m->relative[0] = '\0';
	for (size_t i = 0; i < plan->n_overlays; i++) {
		const char *rel = path_below(target, plan->overlays[i].target);
		if (rel) {
			m->in_overlay = (int)i;
			snprintf(m->relative, sizeof(m->relative), "%s", rel);
		}
	}
}

int state_plan_build(const struct path_list *overlays, const struct path_list *binds, struct state_plan *ret,
		     struct fault *f)
{
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < overlays->n; i++) {
		for (size_t j = 0; j < overlays->n; j++)
			if (i != j && path_below(overlays->paths[i], overlays->paths[j]))
				return fault_set(f, EINVAL, "overlay %s is inside overlay %s", overlays->paths[i],
						 overlays->paths[j]);
		place(&ret->overlays[ret->n_overlays++], overlays->paths[i], ret);
		ret->overlays[ret->n_overlays - 1].in_overlay = -1;
	}
	for (size_t i = 0; i < binds->n; i++) {
		for (size_t j = 0; j < overlays->n; j++)
			if (strcmp(binds->paths[i], overlays->paths[j]) == 0)
				return fault_set(f, EINVAL, "%s is both an overlay and a bind", binds->paths[i]);
		for (size_t j = 0; j < binds->n; j++)
			if (i != j && path_below(binds->paths[i], binds->paths[j]))
				return fault_set(f, EINVAL, "bind %s is inside bind %s", binds->paths[i], binds->paths[j]);
		place(&ret->binds[ret->n_binds++], binds->paths[i], ret);
	}
	place(&ret->eflow, EFLOW_TARGET, ret);
	if (check_names_distinct(ret->overlays, ret->n_overlays, "overlay", f) < 0 ||
	    check_names_distinct(ret->binds, ret->n_binds, "bind", f) < 0)
		return -EINVAL;
	return 0;
}

bool state_plan_is_writable(const struct state_plan *plan, const char *path)
{
	static const char *const volatile_trees[] = { "/proc", "/sys", "/dev", "/run", "/tmp", "/logs" };

	for (size_t i = 0; i < sizeof(volatile_trees) / sizeof(volatile_trees[0]); i++)
		if (path_at_or_below(path, volatile_trees[i]))
			return true;
	for (size_t i = 0; i < plan->n_overlays; i++)
		if (path_at_or_below(path, plan->overlays[i].target))
			return true;
	for (size_t i = 0; i < plan->n_binds; i++)
		if (path_at_or_below(path, plan->binds[i].target))
			return true;
	return path_at_or_below(path, plan->eflow.target);
}

int state_plan_overlay_options(const char *lower, const char *upper, const char *work, char *buf,
			       size_t size)
{
	int n = snprintf(buf, size, "lowerdir=%s,upperdir=%s,workdir=%s," OVERLAY_OPTIONS, lower, upper, work);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static void print_placement(const struct state_plan *plan, const struct state_mount *m, FILE *out)
{
	if (m->in_overlay >= 0)
		fprintf(out, " (in overlay %s)", plan->overlays[m->in_overlay].target);
}

void state_plan_print(const struct state_plan *plan, FILE *out)
{
	for (size_t i = 0; i < plan->n_overlays; i++)
		fprintf(out, "%-15s %s upper=data:%s/overlays/%s/upper nosuid,nodev," OVERLAY_OPTIONS "\n",
			"overlay", plan->overlays[i].target, EFLOW_DIR, plan->overlays[i].name);
	for (size_t i = 0; i < plan->n_binds; i++) {
		fprintf(out, "%-15s %s source=data:%s/binds/%s nosuid,nodev", "bind", plan->binds[i].target,
			EFLOW_DIR, plan->binds[i].name);
		print_placement(plan, &plan->binds[i], out);
		fputc('\n', out);
	}
	fprintf(out, "%-15s %s source=data:%s ro,nosuid,nodev,noexec", "bind", plan->eflow.target, EFLOW_DIR);
	print_placement(plan, &plan->eflow, out);
	fputc('\n', out);
}

void state_plan_overlay_list(const struct state_plan *plan, char *buf, size_t size)
{
	snprintf(buf, size, "%s", plan->n_overlays ? "" : "none");
	for (size_t i = 0; i < plan->n_overlays; i++) {
		if (i)
			strncat(buf, ",", size - strlen(buf) - 1);
		strncat(buf, plan->overlays[i].target, size - strlen(buf) - 1);
	}
}
