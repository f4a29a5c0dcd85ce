/* Fuzz target: the kernel command line (split with the kernel's quoting rules) and its
 * merge over the policy, then the boot plan. Whoever controls the bootloader's command
 * line controls these bytes; under `cmdline = tighten` they may only narrow the policy.
 * Input: one flags byte (bit 0: cmdline = trust; bits 1-2: the policy's verity mode),
 * then the command line text. */
#include <stdlib.h>
#include <string.h>

#include "common/cmdline.h"
#include "init/plan.h"
#include "init/policy.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p, before;
	static struct cmdline c;
	static struct boot_plan plan;
	struct boot_cmdline bc;
	struct fault f;
	char *text;

	if (size < 1)
		return 0;
	policy_set_defaults(&p);
	p.cmdline = data[0] & 1 ? CMDLINE_TRUST : CMDLINE_TIGHTEN;
	p.verity = (enum verity_mode)((data[0] >> 1 & 3) % VERITY_MODE_COUNT);
	before = p;
	text = fuzz_text(data + 1, size - 1);
	if (!text)
		return 0;
	if (cmdline_split(text, &c, &f) == 0) {
		for (size_t i = 0; i < c.n_words; i++)
			if (!c.words[i].key || (c.words[i].value && c.words[i].value < c.buf))
				abort();
		if (policy_apply_cmdline(&p, &c, &bc, &f) == 0) {
			/* tighten: the command line never lowers verity nor changes the program */
			if (p.cmdline == CMDLINE_TIGHTEN &&
			    (p.verity < before.verity || strcmp(p.exec, before.exec) != 0))
				abort();
			for (int mode = BOOT_MODE_INITRAMFS; mode <= BOOT_MODE_INIT; mode++)
				(void)plan_build(&p, &bc, (enum boot_mode)mode, &plan, &f);
		}
	}
	free(text);
	return 0;
}
