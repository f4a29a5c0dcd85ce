/* The slot rule (docs/slots.md), freestanding: integers in, integers out; no libc beyond
 * <stdbool.h> and <stdint.h>, no allocation, no I/O, no text. hardinit (slot_state.c,
 * which adds the words) and the EFI loader (efi/loader.c) compile this same file.
 * The GPT attribute layout ChromeOS, Flatcar and Bottlerocket share: bits 48-51
 * priority, 52-55 tries, 56 successful. docs/slots.md, docs/boot-chain.md. */
#ifndef HARDINIT_SLOT_RULE_H
#define HARDINIT_SLOT_RULE_H

#include <stdbool.h>
#include <stdint.h>

#define SLOT_PRIORITY_MAX 15
#define SLOT_TRIES_MAX 15

struct slot_attrs {
	unsigned priority;   /* 0: never boot */
	unsigned tries;      /* boots left for a slot not (yet) marked good */
	bool successful;     /* marked good by the service tree this boot or before */
};

void slot_attrs_decode(uint64_t gpt_attrs, struct slot_attrs *ret);

/* The GPT attribute field with a's bits set and every other bit kept. */
uint64_t slot_attrs_encode(uint64_t gpt_attrs, const struct slot_attrs *a);

/* A slot may boot: priority above 0, and marked good or with tries left. */
bool slot_bootable(const struct slot_attrs *a);

/* The state that makes a slot never boot again until it is rewritten. */
struct slot_attrs slot_unbootable(void);

/* Why the rule chose a slot. */
enum slot_rule_why { SLOT_RULE_GOOD_TRIAL, SLOT_RULE_IN_TRIAL };

struct slot_rule_result {
	int slot;                      /* 0 (a) or 1 (b) */
	struct slot_attrs before;
	struct slot_attrs after;       /* to persist before the slot is used */
	enum slot_rule_why why;
};

/* The automatic choice with boot counting. present[i] says whether slot i's partition
 * exists. The bootable slot with the highest priority (a on a tie). Every boot is a
 * trial until the service tree marks it good: a successful slot becomes
 * {tries = boot_tries - 1, successful = 0}, a slot in trial loses one try; the caller
 * persists ret->after before it uses the slot, so a slot that fails before mark-good,
 * even one that was good before, runs out of tries and the other slot boots.
 * Returns 0 with *ret filled, or -1 when no slot may boot (*ret untouched). */
int slot_rule_choose(const struct slot_attrs cur[2], const bool present[2], unsigned boot_tries,
		     struct slot_rule_result *ret);

/* How a boot of the chosen slot ended, as far as its state is concerned. */
enum slot_outcome {
	SLOT_OUTCOME_GOOD,       /* its health check passed: the service tree's mark-good */
	SLOT_OUTCOME_CONDEMNED,  /* its image failed an integrity or authenticity check */
	SLOT_OUTCOME_FAILED,     /* any other failure, or a restart before mark-good */
};

/* The state to write into the booted slot after outcome o, cur being its state as the
 * GPT holds it now (after the choice's write):
 * - GOOD: successful, tries 0, priority kept; nothing for a slot marked unbootable
 *   (priority 0) since it was chosen, which is not made good again;
 * - CONDEMNED: slot_unbootable(), whatever cur is;
 * - FAILED: nothing: the state stays as it is and boot counting decides.
 * Returns true with *ret to write, or false when nothing is to be written. */
bool slot_rule_outcome(const struct slot_attrs *cur, enum slot_outcome o, struct slot_attrs *ret);

#endif
