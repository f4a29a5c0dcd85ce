#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libkmod.h>

#include "common/log.h"
#include "init/modules_apply.h"

/* libkmod's messages, into our log (one line each). */
static void kmod_log(void *data, int priority, const char *file, int line, const char *fn,
		     const char *format, va_list args)
{
	char msg[512];

	(void)data; (void)file; (void)line; (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	if (priority <= 3)
		log_error("libkmod: %s", msg);
	else
		log_debug("libkmod: %s", msg);
}

int modules_open(struct kmod_ctx **ret, struct fault *f)
{
	static const char *const no_config[] = { NULL };
	struct kmod_ctx *ctx = kmod_new(NULL, no_config);

	if (!ctx)
		return fault_set(f, ENOMEM, "unable to start libkmod");
	kmod_set_log_fn(ctx, kmod_log, NULL);
	kmod_set_log_priority(ctx, log_debug_enabled() ? 7 : 3);
	*ret = ctx;
	return 0;
}

/* Waits while mod is still initialising in the kernel (KMOD_MODULE_COMING: another
 * process is loading it; libkmod counts that as loaded and moves on), at most
 * COMING_WAIT_MS. */
#define COMING_WAIT_MS 30000
static void wait_one_live(struct kmod_module *mod)
{
	for (int ms = 0; ms < COMING_WAIT_MS && kmod_module_get_initstate(mod) == KMOD_MODULE_COMING; ms++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
}

/* wait_one_live for each module of a libkmod list. */
static void wait_list_live(const struct kmod_list *list)
{
	const struct kmod_list *l;

	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		wait_one_live(m);
		kmod_module_unref(m);
	}
}

/* Waits until mod, its dependencies and its "pre" soft dependencies (with theirs) are
 * live: when another process (modules_ahead.c) loads one of them at the same time, the
 * step that needs them must not go on before their init has run (a filesystem
 * registered, a crypto algorithm available). */
static void wait_live(struct kmod_module *mod)
{
	struct kmod_list *deps = kmod_module_get_dependencies(mod), *pre = NULL, *post = NULL;
	const struct kmod_list *l;

	wait_list_live(deps);
	kmod_module_unref_list(deps);
	if (kmod_module_get_softdeps(mod, &pre, &post) == 0) {
		kmod_list_foreach(l, pre) {
			struct kmod_module *soft = kmod_module_get_module(l);
			struct kmod_list *sdeps = kmod_module_get_dependencies(soft);
			wait_list_live(sdeps);
			kmod_module_unref_list(sdeps);
			wait_one_live(soft);
			kmod_module_unref(soft);
		}
		kmod_module_unref_list(pre);
		kmod_module_unref_list(post);
	}
	wait_one_live(mod);
}

int modules_load(struct kmod_ctx *ctx, const char *name, struct fault *f)
{
	struct kmod_list *list = NULL, *l;
	int r = kmod_module_new_from_lookup(ctx, name, &list);

	if (r < 0)
		return fault_set(f, r, "unable to look up module %s: %s", name, strerror(-r));
	if (!list)
		return fault_set(f, ENOENT, "module %s is not in the initramfs", name);
	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);
		r = kmod_module_probe_insert_module(mod, KMOD_PROBE_IGNORE_COMMAND, NULL, NULL, NULL, NULL);
		if (r >= 0)
			wait_live(mod);
		kmod_module_unref(mod);
		if (r < 0) {
			r = fault_set(f, r, "unable to load module %s: %s", name, strerror(-r));
			break;
		}
	}
	kmod_module_unref_list(list);
	return r < 0 ? r : 0;
}

void modules_close(struct kmod_ctx *ctx)
{
	kmod_unref(ctx);
}
