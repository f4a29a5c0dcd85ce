/* The failure handler that PID 1 uses: the one place where a failed boot step turns
 * into a slot mark, a boot record, the FATAL line and the policy's action. */
#include "common/log.h"
#include "init/boot.h"
#include "init/failure.h"
#include "slots/slot_apply.h"

void boot_fail(const struct boot_state *st, const struct boot_step *step, int err, const struct fault *f)
{
	struct fault why = { "" };

	if (plan_failure_marks_slot(step, st->slot_chosen, err)) {
		if (slot_apply_outcome(st->plan->root_device, SLOT_OUTCOME_CONDEMNED, &why) < 0)
			log_error("unable to mark slot %c unbootable: %s", st->plan->slot, why.text);
		else
			log_error("slot %c (%s) marked unbootable", st->plan->slot, st->plan->root_device);
	} else if (step->slot_bound && st->slot_chosen) {
		log_notice("slot %c left to boot counting: this failure is not an integrity or authenticity failure of its image",
			   st->plan->slot);
	}
	if (st->logs_fd >= 0 && boot_write_record(st, step->name, f->text, &why) < 0)
		log_warning("unable to write the boot record: %s, continuing", why.text);
	failure_act(st->plan->on_failure, step->name, f->text);
}
