#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervise/mountinfo_read.h"
#include "supervise/supervise_plan.h"

enum shutdown_kind signal_shutdown(int signo)
{
	switch (signo) {
	case SIGTERM:
	case SIGINT:
		return SHUTDOWN_REBOOT;
	case SIGUSR1:
		return SHUTDOWN_HALT;
	case SIGUSR2:
		return SHUTDOWN_POWEROFF;
	default:
		return SHUTDOWN_NONE;
	}
}

enum exit_decision exit_decide(struct exit_history *h, uint64_t now, enum exit_action on_exit, unsigned limit,
			       unsigned window_s, enum shutdown_kind *ret_kind)
{
	size_t keep = 0;

	*ret_kind = on_exit == EXIT_POWEROFF ? SHUTDOWN_POWEROFF : SHUTDOWN_REBOOT;
	if (on_exit != EXIT_RESTART)
		return EXIT_DO_SHUTDOWN;
	/* Forget the exits that left the window, then add this one. */
	for (size_t i = 0; i < h->n; i++)
		if (now - h->at[i] < window_s)
			h->at[keep++] = h->at[i];
	h->n = keep;
	if (h->n == EXIT_HISTORY_MAX)
		memmove(h->at, h->at + 1, --h->n * sizeof(h->at[0]));
	h->at[h->n++] = now;
	return h->n > limit ? EXIT_DO_CRASH_LOOP : EXIT_DO_RESTART;
}

/* Is path at or below one of the kernel's API filesystems (or /)? */
static bool target_is_kept(const char *path)
{
	static const char *const kept[] = { "/proc", "/sys", "/dev", "/run", NULL };

	if (strcmp(path, "/") == 0)
		return true;
	for (const char *const *k = kept; *k; k++) {
		size_t n = strlen(*k);
		if (strncmp(path, *k, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/* A mount of the tree being walked: its children form a list, latest first. */
struct mount_node {
	const char *target; /* points into the mountinfo text */
	int id;
	int parent_id;
	size_t first_child;  /* SIZE_MAX: none */
	size_t next_sibling; /* SIZE_MAX: none */
	size_t cursor;       /* the next child to walk (during the walk) */
	unsigned char state; /* 0 unseen, 1 on the stack, 2 done */
};

struct id_index {
	int id;
	size_t index;
};

struct mount_tree {
	struct mount_node *nodes;
	size_t n;
	struct id_index *by_id; /* sorted by mount ID */
};

static int id_index_cmp(const void *a, const void *b)
{
	int x = ((const struct id_index *)a)->id, y = ((const struct id_index *)b)->id;
	return (x > y) - (x < y);
}

/* The index of the node with mount ID id, or SIZE_MAX. */
static size_t node_find(const struct mount_tree *t, int id)
{
	const struct id_index key = { id, 0 };
	const struct id_index *hit = bsearch(&key, t->by_id, t->n, sizeof(key), id_index_cmp);

	return hit ? hit->index : SIZE_MAX;
}

/* Appends node's mount to the plan, unless it is kept. Returns 0 or -ENOMEM. */
static int plan_add(struct shutdown_plan *p, const struct mount_node *node, struct fault *f)
{
	char *target;

	if (!node->target || target_is_kept(node->target))
		return 0;
	if (!(target = strdup(node->target)))
		return fault_set(f, ENOMEM, "out of memory");
	p->mounts[p->n++] = (struct shutdown_mount){ .target = target, .id = node->id, .parent_id = node->parent_id };
	return 0;
}

/* Walks the tree below node `root` (itself included) children first, appending each
 * mount to the plan once its children are in it. stack has room for every node.
 * Returns 0 or -ENOMEM. */
static int plan_walk(struct mount_tree *t, size_t root, size_t *stack, struct shutdown_plan *p, struct fault *f)
{
	size_t sp = 0;

	t->nodes[root].state = 1;
	t->nodes[root].cursor = t->nodes[root].first_child;
	stack[sp++] = root;
	while (sp > 0) {
		struct mount_node *top = &t->nodes[stack[sp - 1]];
		if (top->cursor != SIZE_MAX) {
			size_t c = top->cursor;
			top->cursor = t->nodes[c].next_sibling;
			if (t->nodes[c].state != 0) /* a cycle in a damaged file */
				continue;
			t->nodes[c].state = 1;
			t->nodes[c].cursor = t->nodes[c].first_child;
			stack[sp++] = c;
			continue;
		}
		sp--;
		top->state = 2;
		if (plan_add(p, top, f) < 0)
			return -ENOMEM;
	}
	return 0;
}

int shutdown_plan_parse(char *text, size_t len, struct shutdown_plan *ret, struct fault *f)
{
	struct mount_tree t = { NULL, 0, NULL };
	size_t *stack = NULL, lines = 0;
	char *line, *end = text + len;
	int r = 0;

	*ret = (struct shutdown_plan){ NULL, 0 };
	if (memchr(text, '\0', len))
		return fault_set(f, EINVAL, "mountinfo holds a NUL byte");
	for (char *p = text; p < end; p++)
		lines += *p == '\n';
	lines += len > 0 && end[-1] != '\n';
	t.nodes = calloc(lines + 1, sizeof(*t.nodes));
	t.by_id = calloc(lines + 1, sizeof(*t.by_id));
	stack = calloc(lines + 1, sizeof(*stack));
	ret->mounts = calloc(lines + 1, sizeof(*ret->mounts));
	if (!t.nodes || !t.by_id || !stack || !ret->mounts) {
		r = fault_set(f, ENOMEM, "out of memory");
		goto done;
	}
	/* The nodes in mount order (mountinfo's), then an index by mount ID. A line that
	 * does not parse fails the whole file: a partial list is never used. */
	for (line = text; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		struct mountinfo_line m;

		if (nl)
			*nl = '\0';
		else
			end[0] = '\0'; /* text has room for it: see shutdown_plan_parse's contract */
		if (mountinfo_parse_line(line, &m) < 0) {
			r = fault_set(f, EINVAL, "mountinfo line %zu does not parse", t.n + 1);
			goto done;
		}
		t.nodes[t.n] = (struct mount_node){ .target = m.target, .id = m.id, .parent_id = m.parent_id,
						    .first_child = SIZE_MAX, .next_sibling = SIZE_MAX };
		t.by_id[t.n] = (struct id_index){ m.id, t.n };
		t.n++;
		line = nl ? nl + 1 : end;
	}
	qsort(t.by_id, t.n, sizeof(*t.by_id), id_index_cmp);
	/* Each mount goes at the head of its parent's list: the later mount first. */
	for (size_t i = 0; i < t.n; i++) {
		size_t parent = node_find(&t, t.nodes[i].parent_id);
		if (parent == SIZE_MAX || parent == i)
			continue;
		t.nodes[i].next_sibling = t.nodes[parent].first_child;
		t.nodes[parent].first_child = i;
	}
	/* The trees from their roots (mounts whose parent is not in the file), the later
	 * first; then whatever a damaged file left unreached (a cycle of parents). */
	for (size_t i = t.n; i-- > 0;) {
		size_t parent = node_find(&t, t.nodes[i].parent_id);
		if ((parent == SIZE_MAX || parent == i) && t.nodes[i].state == 0 && (r = plan_walk(&t, i, stack, ret, f)) < 0)
			goto done;
	}
	for (size_t i = t.n; i-- > 0;)
		if (t.nodes[i].state == 0 && (r = plan_walk(&t, i, stack, ret, f)) < 0)
			goto done;
done:
	if (r < 0)
		shutdown_plan_free(ret);
	free(stack);
	free(t.by_id);
	free(t.nodes);
	return r;
}

int shutdown_plan_build(const char *mountinfo_path, struct shutdown_plan *ret, struct fault *f)
{
	size_t len = 0, size = 64 * 1024;
	char *text = malloc(size);
	int fd, r;

	*ret = (struct shutdown_plan){ NULL, 0 };
	if (!text)
		return fault_set(f, ENOMEM, "out of memory");
	if ((fd = open(mountinfo_path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = fault_set(f, errno, "unable to open %s: %s", mountinfo_path, strerror(errno));
		free(text);
		return r;
	}
	/* The whole file (the kernel's view of it is consistent only read to its end), with
	 * one byte to spare for shutdown_plan_parse. */
	for (;;) {
		ssize_t n;
		if (len + 1 >= size) {
			char *bigger = size < (64u << 20) ? realloc(text, size * 2) : NULL;
			if (!bigger) {
				r = fault_set(f, ENOMEM, "%s is too large", mountinfo_path);
				goto out;
			}
			text = bigger;
			size *= 2;
		}
		n = read(fd, text + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fault_set(f, errno, "unable to read %s: %s", mountinfo_path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r = shutdown_plan_parse(text, len, ret, f);
out:
	close(fd);
	free(text);
	return r;
}

void shutdown_plan_free(struct shutdown_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		free(plan->mounts[i].target);
	free(plan->mounts);
	*plan = (struct shutdown_plan){ NULL, 0 };
}
