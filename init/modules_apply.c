#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
