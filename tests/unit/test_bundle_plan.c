#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "slots/bundle_plan.h"

#define MIB (UINT64_C(1) << 20)

static struct fault f;
static struct bundle_plan plan;

static const struct bundle_header full = { .slot = 'b', .body_size = 20 * MIB, .has_boot = true, .boot_size = 40 * MIB };
static const struct bundle_header root_only = { .slot = 'b', .body_size = 20 * MIB };
static const struct bundle_target loader_b = { .slot = 'b', .root_size = 32 * MIB, .boot_size = 48 * MIB,
						 .chooser = CHOOSER_LOADER, .running_good = true };
static const struct bundle_target initramfs_b = { .slot = 'b', .root_size = 32 * MIB, .boot_size = 1 * MIB,
						   .chooser = CHOOSER_INITRAMFS, .running_good = true };

/* A bundle with a boot image for the target slot, fitting both partitions, writes both. */
Test(bundle_plan, full_bundle_writes_boot_and_root)
{
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &full, &loader_b, &plan, &f), 0, "%s", f.text);
	cr_assert(plan.write_boot);
	cr_assert_eq(plan.boot_size, 40 * MIB);
	cr_assert_eq(plan.body_size, 20 * MIB);
}

/* A root-only bundle is for a direct boot (hardinit chose the slot); through the
 * loader it is refused, as is a plain slot image, and so when nobody said who chose. */
Test(bundle_plan, root_alone_refused_under_the_loader)
{
	struct bundle_target unknown = loader_b;
	struct bundle_header image = { 0 };

	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &root_only, &initramfs_b, &plan, &f), 0, "%s", f.text);
	cr_assert_not(plan.write_boot);
	cr_assert_eq(plan.body_size, 20 * MIB);
	cr_assert_eq(bundle_plan_decide(UPDATE_SLOT_IMAGE, &image, &initramfs_b, &plan, &f), 0, "%s", f.text);

	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &root_only, &loader_b, &plan, &f), -EPERM);
	cr_assert(strstr(f.text, "a new root alone would never boot"), "%s", f.text);
	cr_assert_eq(bundle_plan_decide(UPDATE_SLOT_IMAGE, &image, &loader_b, &plan, &f), -EPERM);
	/* A slot image never writes a boot image, even one whose footer names one. */
	cr_assert_eq(bundle_plan_decide(UPDATE_SLOT_IMAGE, &full, &loader_b, &plan, &f), -EPERM);
	unknown.chooser = CHOOSER_UNKNOWN;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &root_only, &unknown, &plan, &f), -EPERM);
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &full, &unknown, &plan, &f), 0, "%s", f.text);
}

/* The bundle must be built for the slot not running; a slot image may name none. */
Test(bundle_plan, slot_must_match)
{
	struct bundle_header h = full;

	h.slot = 'a';
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &h, &loader_b, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, "built for slot a, and the slot to write is b"), "%s", f.text);
	h.slot = '\0';
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &h, &loader_b, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, "names no slot"), "%s", f.text);
	h = root_only;
	h.slot = 'a';
	cr_assert_eq(bundle_plan_decide(UPDATE_SLOT_IMAGE, &h, &initramfs_b, &plan, &f), -EINVAL);
	h = full;
	h.body_size = 0;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &h, &loader_b, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, "no body_size"), "%s", f.text);
}

/* Sizes: the body and the footer fit rootfs-X exactly or are refused; the boot image
 * fits boot-X exactly or is refused, as when there is no boot-X. */
Test(bundle_plan, sizes_must_fit)
{
	struct bundle_header h = full;
	struct bundle_target t = loader_b;

	h.body_size = t.root_size - BUNDLE_FOOTER_SIZE;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &h, &t, &plan, &f), 0, "%s", f.text);
	h.body_size += 4096;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &h, &t, &plan, &f), -EFBIG);
	cr_assert(strstr(f.text, "does not fit slot b's partition"), "%s", f.text);

	h = full;
	h.boot_size = t.boot_size;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &h, &t, &plan, &f), 0, "%s", f.text);
	h.boot_size += 4096;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &h, &t, &plan, &f), -EFBIG);
	cr_assert(strstr(f.text, "does not fit boot-b"), "%s", f.text);
	t.boot_size = 0;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &full, &t, &plan, &f), -EFBIG);
	cr_assert(strstr(f.text, "no such partition"), "%s", f.text);
	t.root_size = 100;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &root_only, &t, &plan, &f), -EFBIG);
}

/* chooser= values. */
Test(bundle_plan, chooser_parse)
{
	cr_assert_eq(bundle_chooser_parse("loader"), CHOOSER_LOADER);
	cr_assert_eq(bundle_chooser_parse("initramfs"), CHOOSER_INITRAMFS);
	cr_assert_eq(bundle_chooser_parse("loaderx"), CHOOSER_UNKNOWN);
	cr_assert_eq(bundle_chooser_parse(""), CHOOSER_UNKNOWN);
}

/* Until the running slot is marked good it may be on its last try: an update would mark
 * the only fallback unbootable while it writes it, so it is refused, whatever it is. */
Test(bundle_plan, refused_while_the_running_slot_is_on_trial)
{
	struct bundle_target t = loader_b;
	struct bundle_header image = { 0 };

	t.running_good = false;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &full, &t, &plan, &f), -EAGAIN);
	cr_assert(strstr(f.text, "not marked good"), "%s", f.text);
	cr_assert_eq(bundle_plan_decide(UPDATE_SLOT_IMAGE, &image, &t, &plan, &f), -EAGAIN);
	t.running_good = true;
	cr_assert_eq(bundle_plan_decide(UPDATE_BUNDLE, &full, &t, &plan, &f), 0, "%s", f.text);
}
