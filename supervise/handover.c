#include <errno.h>
#include <string.h>

#include "supervise/handover.h"

void handover_pack(const struct supervisor *sv, uint8_t buf[HANDOVER_SIZE])
{
	const struct handover_header h = { HANDOVER_MAGIC, HANDOVER_VERSION, (uint32_t)sizeof(*sv), 0 };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), sv, sizeof(*sv));
}

static bool terminated(const char *field, size_t size)
{
	return memchr(field, '\0', size) != NULL;
}

/* Checks one handed-over program: `path` set exactly when it has a descriptor, and its
 * interpreter descriptor exactly when it names one. Returns 0 or -EINVAL. */
static int check_program(const char *what, const char *path, const struct program *p, struct fault *f)
{
	if (!terminated(p->interp, sizeof(p->interp)) || !terminated(p->interp_arg, sizeof(p->interp_arg)))
		return fault_set(f, EINVAL, "the %s program's interpreter is not a string", what);
	if ((path[0] != '\0') != (p->fd >= 0) || p->fd < -1)
		return fault_set(f, EINVAL, "the %s program's descriptor %d does not match its path", what, p->fd);
	if ((p->interp[0] != '\0') != (p->interp_fd >= 0) || p->interp_fd < -1)
		return fault_set(f, EINVAL, "the %s program's interpreter descriptor %d does not match", what, p->interp_fd);
	return 0;
}

int handover_unpack(const uint8_t *buf, size_t n, struct supervisor *ret, struct fault *f)
{
	struct handover_header h;
	struct supervisor sv;
	int r;

	if (n != HANDOVER_SIZE)
		return fault_set(f, EINVAL, "the hand-over holds %zu bytes, not %zu", n, HANDOVER_SIZE);
	memcpy(&h, buf, sizeof(h));
	if (h.magic != HANDOVER_MAGIC || h.version != HANDOVER_VERSION || h.size != sizeof(sv) || h.reserved != 0)
		return fault_set(f, EINVAL, "the hand-over header is not version %u of this build's", HANDOVER_VERSION);
	memcpy(&sv, buf + sizeof(h), sizeof(sv));
	if (!terminated(sv.exec, sizeof(sv.exec)) || !terminated(sv.health_check, sizeof(sv.health_check)) ||
	    !terminated(sv.slot_partition, sizeof(sv.slot_partition)))
		return fault_set(f, EINVAL, "a path in the hand-over is not a string");
	if (sv.exec[0] != '/' || (sv.health_check[0] && sv.health_check[0] != '/'))
		return fault_set(f, EINVAL, "a program in the hand-over is not an absolute path");
	if ((unsigned)sv.on_exit >= EXIT_ACTION_COUNT || (unsigned)sv.on_failure >= FAILURE_ACTION_COUNT ||
	    sv.restart_limit >= EXIT_HISTORY_MAX)
		return fault_set(f, EINVAL, "a setting in the hand-over is out of range");
	if ((r = check_program("exec", sv.exec, &sv.exec_program, f)) < 0 ||
	    (r = check_program("health_check", sv.health_check, &sv.health_program, f)) < 0)
		return r;
	*ret = sv;
	return 0;
}
