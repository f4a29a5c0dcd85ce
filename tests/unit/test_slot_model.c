/* The A/B slot state machine checked exhaustively against a reference model.
 *
 * The model (m_* below) is written from docs/slots.md and docs/boot-chain.md, not from the
 * code in slots/. The real code is what hardinit, hardinitctl and the EFI loader run:
 * slot_choose (hardinit's choice, direct boot), slot_rule_choose (the loader's, firmware
 * boot), plan_failure_marks_slot (which failure condemns the image), slot_rule_outcome
 * (what a boot's outcome writes: mark-good, condemned, nothing), slot_make_first
 * (set-active, an update's commit) and slot_attrs_encode/decode (the GPT bits).
 *
 * Every state of both slots (absent, or priority 0-15 x tries 0-15 x successful: 513
 * each, 263169 pairs), for boot_tries 1, 3 and 15, times every boot outcome: the health
 * check passed (mark-good), a restart before it passed, an integrity failure, another
 * failure, and a power cut at each GPT write of the boot (the choice's, mark-good's, the
 * condemnation's). A GPT write is atomic in the model (O_SYNC: a cut tears at most one
 * copy and the other is used), so a cut leaves the state before or after that write.
 * Checked: the real choice and each written state equal the model's, and properties of
 * the real code's runs (see the PROP_ list). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init/plan.h"
#include "slots/slot_state.h"
#include "verity/verity_plan.h"

/* ---- The model, from the docs ---- */

struct mslot {
	bool present;
	unsigned prio, tries;
	bool good;
};

/* "Bootable: priority > 0 and successful or tries > 0"; a slot without a partition never. */
static bool m_bootable(const struct mslot *m)
{
	return m->present && m->prio > 0 && (m->good || m->tries > 0);
}

/* "The bootable slot with the highest priority (a on a tie)". Returns the slot or -1. */
static int m_pick(const struct mslot m[2])
{
	if (m_bootable(&m[0]) && (!m_bootable(&m[1]) || m[0].prio >= m[1].prio))
		return 0;
	return m_bootable(&m[1]) ? 1 : -1;
}

/* "Every boot is a trial until the service tree marks it good: a successful slot becomes
 * {tries = boot_tries - 1, successful = 0}; a slot in trial loses one try. This is written
 * to the GPT before the slot is used." Returns the slot (m updated) or -1. */
static int m_choose(struct mslot m[2], unsigned bt)
{
	int s = m_pick(m);

	if (s < 0)
		return -1;
	if (m[s].good) {
		m[s].good = false;
		m[s].tries = bt - 1;
	} else {
		m[s].tries--;
	}
	return s;
}

/* The boot outcomes enumerated. The last three are power cuts during a GPT write. */
enum outcome {
	O_GOOD,           /* health check passed: mark-good */
	O_RESTART,        /* verified boot, restart or crash before the health check passed */
	O_INTEGRITY,      /* dm-verity or the footer refused the image */
	O_OTHER,          /* any other failure (a mount, out of memory, an I/O error) */
	O_CUT_CHOICE,     /* power cut during the choice's write */
	O_CUT_GOOD,       /* power cut during mark-good's write */
	O_CUT_CONDEMN,    /* power cut during the condemnation's write */
	O_COUNT
};

/* What an outcome writes into the slot that booted, from the docs: mark-good "sets
 * successful (tries 0)" and refuses a slot marked unbootable; an integrity failure
 * "marks the slot unbootable at once (priority 0, tries 0, not successful)"; every other
 * failure "reboots with the slot's state as it is". Returns true when it writes. */
static bool m_outcome(enum outcome o, struct mslot *m)
{
	switch (o) {
	case O_GOOD:
	case O_CUT_GOOD:
		if (m->prio == 0)
			return false;
		m->good = true;
		m->tries = 0;
		return true;
	case O_INTEGRITY:
	case O_CUT_CONDEMN:
		m->prio = 0;
		m->tries = 0;
		m->good = false;
		return true;
	default:
		return false;
	}
}

/* set-active / an update's commit, from the docs: the slot gets the priority one above
 * the other's (the other lowered to 14 first when at 15, its own write, first); it
 * becomes a trial of boot_tries when an update wrote it or when it may not boot as it
 * is; the other's tries and successful bit are untouched. Returns the writes (1 or 2);
 * mid[] is the state after the first. */
static int m_make_first(struct mslot m[2], int t, bool trial, unsigned bt, struct mslot mid[2])
{
	int writes = 1;
	bool could_boot = m[t].prio > 0 && (m[t].good || m[t].tries > 0);

	if (m[1 - t].prio == 15) {
		m[1 - t].prio = 14;
		writes = 2;
	}
	mid[0] = m[0];
	mid[1] = m[1];
	m[t].prio = m[1 - t].prio + 1;
	if (trial || !could_boot) {
		m[t].good = false;
		m[t].tries = bt;
	}
	return writes;
}

/* Boots a slot gets from now on if every boot fails before mark-good: a good slot
 * boot_tries ("exactly boot_tries boots"), a slot in trial its tries, else none. */
static unsigned m_budget(const struct mslot *m, unsigned bt)
{
	return !m_bootable(m) ? 0 : m->good ? bt : m->tries;
}

/* ---- States: 513 per slot ---- */

#define SLOT_VALUES 513u
#define STATES (SLOT_VALUES * SLOT_VALUES)
/* Bits outside the slot state that every write must keep (63: no automount, 0: required). */
#define OTHER_BITS UINT64_C(0x8000000000000001)

static struct mslot mslot_of(unsigned v)
{
	struct mslot m = { false, 0, 0, false };

	if (v == 0)
		return m;
	v--;
	m.present = true;
	m.good = v & 1;
	m.tries = (v >> 1) & 15;
	m.prio = v >> 5;
	return m;
}

static unsigned mslot_index(const struct mslot *m)
{
	return m->present ? 1 + ((m->prio << 5) | (m->tries << 1) | (m->good ? 1 : 0)) : 0;
}

static unsigned state_index(const struct mslot m[2])
{
	return mslot_index(&m[0]) * SLOT_VALUES + mslot_index(&m[1]);
}

/* The GPT attribute field, in the documented layout (the model's own encoding): bits
 * 48-51 priority, 52-55 tries, 56 successful, the other bits kept. An absent slot: 0. */
static uint64_t m_attrs(const struct mslot *m)
{
	if (!m->present)
		return 0;
	return OTHER_BITS | (uint64_t)m->prio << 48 | (uint64_t)m->tries << 52 | (uint64_t)m->good << 56;
}

static struct mslot m_from_attrs(bool present, uint64_t attrs)
{
	struct mslot m = { false, 0, 0, false };

	if (present)
		m = (struct mslot){ true, (unsigned)(attrs >> 48) & 15, (unsigned)(attrs >> 52) & 15, (attrs >> 56) & 1 };
	return m;
}

/* ---- The real code, on a disk the test holds: each slot's 64-bit GPT attribute field ---- */

struct disk {
	bool present[2];
	uint64_t attrs[2];
};

static struct disk disk_of(const struct mslot m[2])
{
	return (struct disk){ { m[0].present, m[1].present }, { m_attrs(&m[0]), m_attrs(&m[1]) } };
}

/* Whether the disk holds the model's state m (its bits other than the slot's kept). */
static bool disk_is(const struct disk *d, const struct mslot m[2])
{
	return d->present[0] == m[0].present && d->present[1] == m[1].present && d->attrs[0] == m_attrs(&m[0]) &&
	       d->attrs[1] == m_attrs(&m[1]);
}

/* What hardinit and the loader read (slot_attrs_decode): an absent slot is {0, 0, false}. */
static void disk_read(const struct disk *d, struct slot_attrs cur[2])
{
	for (int s = 0; s < 2; s++) {
		cur[s] = (struct slot_attrs){ 0, 0, false };
		if (d->present[s])
			slot_attrs_decode(d->attrs[s], &cur[s]);
	}
}

/* One GPT write of slot s's state, as slot_apply_write does (slot_attrs_encode, other bits kept). */
static void disk_write(struct disk *d, int s, const struct slot_attrs *a)
{
	d->attrs[s] = slot_attrs_encode(d->attrs[s], a);
}

/* The disk as the model reads it (the documented layout). */
static void disk_model(const struct disk *d, struct mslot m[2])
{
	m[0] = m_from_attrs(d->present[0], d->attrs[0]);
	m[1] = m_from_attrs(d->present[1], d->attrs[1]);
}

/* The steps whose failure hardinit classifies (boot_fail.c: plan_failure_marks_slot). */
static const struct boot_step open_verity = { .kind = STEP_OPEN_VERITY, .name = "open-verity", .fatal = true,
					      .slot_bound = true };
static const struct boot_step check_exec = { .kind = STEP_CHECK_EXEC, .name = "check-exec", .fatal = true,
					     .slot_bound = true };
static const struct boot_step mount_root = { .kind = STEP_MOUNT_ROOT, .name = "mount-root", .fatal = true };

/* A boot by the real code from disk w[0]: the rule's choice (slot_rule_choose: the
 * loader's, and hardinit's under slot_choose, which check_choice shows equal for every
 * state) and its write, then the outcome's write as the service tree (mark-good) or
 * boot_fail (a failure) makes it.
 * w[k] is the disk after k writes. Returns the slot chosen (-1: none) and *writes. */
static int real_boot(enum outcome o, unsigned bt, struct disk w[3], int *writes)
{
	struct slot_attrs cur[2], next;
	struct slot_rule_result d;
	bool present[2] = { w[0].present[0], w[0].present[1] };
	enum slot_outcome so = SLOT_OUTCOME_FAILED;
	bool act = true;

	*writes = 0;
	disk_read(&w[0], cur);
	if (slot_rule_choose(cur, present, bt, &d) < 0)
		return -1;
	w[1] = w[0];
	disk_write(&w[1], d.slot, &d.after);
	(*writes)++;
	switch (o) {
	case O_GOOD:
	case O_CUT_GOOD:
		so = SLOT_OUTCOME_GOOD;
		break;
	case O_INTEGRITY:
	case O_CUT_CONDEMN:
		act = plan_failure_marks_slot(&open_verity, true, -VERITY_ERR_INTEGRITY) &&
		      plan_failure_marks_slot(&check_exec, true, -VERITY_ERR_REFUSED);
		so = SLOT_OUTCOME_CONDEMNED;
		break;
	case O_OTHER:
		act = plan_failure_marks_slot(&open_verity, true, -EIO) ||
		      plan_failure_marks_slot(&mount_root, true, -EINVAL);
		so = SLOT_OUTCOME_CONDEMNED;
		break;
	default:
		act = false;
		break;
	}
	disk_read(&w[1], cur);
	if (act && slot_rule_outcome(&cur[d.slot], so, &next)) {
		w[2] = w[1];
		disk_write(&w[2], d.slot, &next);
		(*writes)++;
	}
	return d.slot;
}

/* ---- Properties, counted; the first few failures of each are logged ---- */

enum prop {
	PROP_CHOICE_MODEL,     /* hardinit's and the loader's choice and its write equal the model's */
	PROP_BOOTLOADER_CHOSE, /* hardinit.slot=a|b: that slot, state untouched, nothing written */
	PROP_WRITES_MODEL,     /* each outcome's written states equal the model's, other bits kept */
	PROP_NEVER_UNBOOTABLE, /* an unbootable slot (priority 0, no tries and not good, absent) is never chosen */
	PROP_RUN_ENDS,         /* failing every boot, the boots end: no state twice, no return to a slot */
	PROP_EXACT_BUDGET,     /* failing every boot: each slot boots exactly its budget, the first-chosen
	                        * slot's boots all first, then the other's, then none: no endless loop */
	PROP_BLESSED_DEMOTED,  /* a good slot that keeps failing gets boot_tries boots, then the other */
	PROP_CONDEMNED_ONCE,   /* integrity failures: each bootable slot boots once, then none */
	PROP_GOOD_STAYS,       /* after mark-good the slot is good and boots next again */
	PROP_TRIAL_EXACT,      /* an update's trial boots exactly boot_tries times, then the other */
	PROP_SET_ACTIVE,       /* set-active: that slot boots next; the other's state stays bootable or not */
	PROP_MAKE_FIRST_MODEL, /* set-active's and the update's writes equal the model's */
	PROP_CUT_STATE,        /* after a power cut: the state before or after that write, and live */
	PROP_COUNT
};

static const char *const prop_name[PROP_COUNT] = {
	"choice equals the model", "bootloader's choice honoured", "outcome writes equal the model",
	"an unbootable slot is never chosen", "failing boots end (no endless loop)", "exact boot budget, then the other slot, then none",
	"a blessed slot that keeps failing is demoted", "an integrity failure condemns at once",
	"a slot marked good stays", "an update's trial gets exactly boot_tries boots",
	"set-active boots that slot next", "set-active/update writes equal the model",
	"a power cut leaves the state before or after the write, and a live one",
};

static unsigned long long mismatches[PROP_COUNT];
static unsigned long long transitions;

static void check(enum prop p, bool ok, const struct mslot m[2], unsigned bt, const char *what, int detail)
{
	if (ok)
		return;
	if (mismatches[p]++ < 3)
		cr_log_error("%s: %s (%d) from a=%s%u/%u/%d b=%s%u/%u/%d, boot_tries %u", prop_name[p], what, detail,
			     m[0].present ? "" : "absent ", m[0].prio, m[0].tries, m[0].good,
			     m[1].present ? "" : "absent ", m[1].prio, m[1].tries, m[1].good, bt);
}

/* Boots with the real code from m, each boot condemned by an integrity failure, until
 * no slot is chosen (at most `limit` boots). order[] gets the slots chosen. Returns the
 * boots, or -1 if a boot chose an unbootable slot. */
static int condemn_run(const struct mslot start[2], unsigned bt, int limit, int order[])
{
	struct mslot m[2] = { start[0], start[1] };
	struct disk w[3];
	int n = 0;

	while (n < limit) {
		int writes, s;
		w[0] = disk_of(m);
		s = real_boot(O_INTEGRITY, bt, w, &writes);
		if (s < 0)
			break;
		if (!m_bootable(&m[s]))
			return -1;
		order[n++] = s;
		disk_model(&w[writes], m);
		transitions++;
	}
	return n;
}

/* The run of boots from a state when every boot restarts before mark-good, summed up:
 * `first` (-1: none) boots n_first times in a row, then the other slot n_second times,
 * then no slot is bootable. unbootable: a boot chose an unbootable slot; loops: the run
 * came back to a state it left or to the first slot, or did not end. Each state's run is its first boot (the real code)
 * followed by the run of the state that boot left, so every state's run costs one boot. */
struct run {
	signed char first, n_first, n_second;
	bool unbootable, loops, done, busy;
};

static const struct run *restart_run(struct run *memo, const struct mslot m[2], unsigned bt, int depth)
{
	struct run *r = &memo[state_index(m)];
	const struct run *next;
	struct mslot after[2];
	struct disk w[3];
	int writes, s;

	static const struct run cycle = { .first = -1, .loops = true, .done = true };

	if (r->busy)
		return &cycle;   /* the run came back to a state it left: it never ends */
	if (r->done)
		return r;
	r->busy = true;
	r->first = -1;
	w[0] = disk_of(m);
	s = real_boot(O_RESTART, bt, w, &writes);
	transitions++;
	if (s >= 0) {
		r->unbootable = !m_bootable(&m[s]);
		r->loops = depth > 64;
	}
	if (s < 0 || r->unbootable || r->loops) {
		r->first = (signed char)s;
		r->n_first = s >= 0;
		r->busy = false;
		r->done = true;
		return r;
	}
	disk_model(&w[writes], after);
	next = restart_run(memo, after, bt, depth + 1);
	r->first = (signed char)s;
	r->n_first = 1;
	r->unbootable = next->unbootable;
	r->loops = next->loops;
	if (next->first == s) {
		r->n_first = (signed char)(next->n_first + 1);
		r->n_second = next->n_second;
	} else if (next->first >= 0) {
		r->n_second = next->n_first;
		r->loops |= next->n_second != 0;   /* back to s */
	}
	r->busy = false;
	r->done = true;
	return r;
}

/* The properties of runs of failures from m. Returns true when all hold (the state is live). */
static bool check_liveness(const struct mslot m[2], unsigned bt, struct run *memo)
{
	unsigned budget[2] = { m_budget(&m[0], bt), m_budget(&m[1], bt) };
	int order[8], first = m_pick(m), n;
	const struct run *r = restart_run(memo, m, bt, 0);
	bool ok, once;

	check(PROP_NEVER_UNBOOTABLE, !r->unbootable, m, bt, "a restart run chose an unbootable slot", r->first);
	check(PROP_RUN_ENDS, !r->loops, m, bt, "a restart run came back or did not end", r->first);
	ok = !r->unbootable && !r->loops && r->first == first &&
	     (first < 0 || (r->n_first == (int)budget[first] && r->n_second == (int)budget[1 - first]));
	check(PROP_EXACT_BUDGET, ok, m, bt, "boots of the first slot until the other", r->n_first);
	if (first >= 0 && m[first].good) {
		bool demoted = r->first == first && r->n_first == (int)bt &&
			       r->n_second == (int)budget[1 - first];
		check(PROP_BLESSED_DEMOTED, demoted, m, bt, "boots of the good slot", r->n_first);
		ok &= demoted;
	}
	n = condemn_run(m, bt, 8, order);
	check(PROP_NEVER_UNBOOTABLE, n >= 0, m, bt, "an integrity-failure run chose an unbootable slot", n);
	once = n >= 0 && n == (budget[0] > 0) + (budget[1] > 0) && (n == 0 || order[0] == first) &&
	       (n < 2 || order[1] == 1 - first);
	check(PROP_CONDEMNED_ONCE, once, m, bt, "boots", n);
	return ok && once;
}

/* The choice, by hardinit (auto and hardinit.slot=a|b) and by the loader, against the model. */
static void check_choice(const struct mslot m[2], unsigned bt)
{
	struct mslot want[2] = { m[0], m[1] };
	int ws = m_choose(want, bt);
	struct disk d = disk_of(m);
	struct slot_attrs cur[2];
	struct slot_decision dec;
	struct slot_rule_result r;
	bool present[2] = { m[0].present, m[1].present };
	int rc;

	disk_read(&d, cur);
	rc = slot_choose(cur, present, SLOT_AUTO, bt, &dec, NULL);
	if (ws < 0) {
		check(PROP_CHOICE_MODEL, rc == -ENOENT, m, bt, "hardinit chose a slot where the model finds none", rc);
		check(PROP_CHOICE_MODEL, slot_rule_choose(cur, present, bt, &r) == -1, m, bt,
		      "the loader chose a slot where the model finds none", 0);
	} else {
		bool same = rc == 0 && dec.slot == ws && dec.persist && dec.after.priority == want[ws].prio &&
			    dec.after.tries == want[ws].tries && dec.after.successful == want[ws].good;
		check(PROP_CHOICE_MODEL, same, m, bt, "hardinit's choice", rc == 0 ? dec.slot : rc);
		same = slot_rule_choose(cur, present, bt, &r) == 0 && r.slot == ws && r.after.priority == want[ws].prio &&
		       r.after.tries == want[ws].tries && r.after.successful == want[ws].good;
		check(PROP_CHOICE_MODEL, same, m, bt, "the loader's choice", r.slot);
	}
	for (int s = 0; s < 2; s++) {
		rc = slot_choose(cur, present, s == 0 ? SLOT_A : SLOT_B, bt, &dec, NULL);
		check(PROP_BOOTLOADER_CHOSE,
		      m[s].present ? rc == 0 && dec.slot == s && !dec.persist && dec.after.priority == m[s].prio &&
					     dec.after.tries == m[s].tries && dec.after.successful == m[s].good
				   : rc == -ENOENT,
		      m, bt, "hardinit.slot=", s);
	}
	transitions += 4;
}

/* Each boot outcome from m: the real writes against the model's, and the properties of
 * the states they leave. A power cut during a write of outcome X's boot leaves the state
 * before or after that write of X's run: the cut outcomes check those of the runs of
 * RESTART (the choice's write), GOOD (mark-good's) and INTEGRITY (the condemnation's). */
static void check_outcomes(const struct mslot m[2], unsigned bt, const bool *live)
{
	static const enum outcome runs[] = { O_GOOD, O_RESTART, O_INTEGRITY, O_OTHER };
	struct mslot want[3][2] = { { m[0], m[1] }, { m[0], m[1] } };
	int ws = m_choose(want[1], bt);

	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		enum outcome o = runs[i];
		struct disk w[3];
		int writes, wants = ws >= 0, s;

		w[0] = disk_of(m);
		s = real_boot(o, bt, w, &writes);
		transitions++;
		check(PROP_NEVER_UNBOOTABLE, s < 0 || m_bootable(&m[s]), m, bt, "a boot chose an unbootable slot", s);
		if (ws >= 0) {
			want[2][0] = want[1][0];
			want[2][1] = want[1][1];
			wants += m_outcome(o, &want[2][ws]);
		}
		check(PROP_WRITES_MODEL, s == ws && writes == wants, m, bt, "outcome's slot/writes", o * 10 + writes);
		if (s != ws || writes != wants)
			continue;
		for (int k = 1; k <= writes; k++)
			check(PROP_WRITES_MODEL, disk_is(&w[k], want[k]), m, bt, "state after write", o * 10 + k);
		if (o == O_GOOD && s >= 0) {
			int again = m_pick(want[2]);
			check(PROP_GOOD_STAYS, want[2][s].good && again == s, m, bt, "next boot after mark-good", again);
		}
		/* Power cuts: during the write k (the choice's: 1; the outcome's: 2) of this run. */
		for (int k = o == O_RESTART ? 1 : 2; o != O_OTHER && k <= writes; k += 2) {
			for (int side = 0; side < 2; side++) {
				struct mslot got[2];
				disk_model(&w[k - 1 + side], got);
				check(PROP_CUT_STATE, disk_is(&w[k - 1 + side], want[k - 1 + side]) && live[state_index(got)],
				      m, bt, "state after a cut during write", k * 10 + side);
			}
			transitions++;
		}
	}
}

/* set-active, an update (mark the target unbootable, then the commit) and, for the
 * function's contract, the commit alone onto slot t: the writes against the model; the
 * trial and the cut states' properties. */
static void check_make_first(const struct mslot m[2], unsigned bt, const bool *live, struct run *memo)
{
	for (int t = 0; t < 2; t++) {
		if (!m[t].present)
			continue;
		for (int mode = 0; mode < 3; mode++) {
			bool trial = mode > 0, mark = mode == 1;
			struct mslot want[2] = { m[0], m[1] }, mid[2], got[2], start[2] = { m[0], m[1] };
			const struct run *r;
			struct slot_attrs cur[2], next[2];
			struct disk d = disk_of(m);
			bool write[2], same;
			int wants, writes;

			if (mark) {   /* an update's step 2: the target unbootable, one write */
				struct slot_attrs off = slot_unbootable();
				disk_write(&d, t, &off);
				want[t] = (struct mslot){ true, 0, 0, false };
				check(PROP_MAKE_FIRST_MODEL, disk_is(&d, want), m, bt, "update marking its target unbootable", t);
				disk_model(&d, start);
				check(PROP_CUT_STATE, live[state_index(start)], m, bt, "cut after the update's mark", t);
			}
			wants = m_make_first(want, t, trial, bt, mid);
			disk_read(&d, cur);
			slot_make_first(cur, t, trial, bt, next, write);
			writes = write[0] + write[1];
			same = writes == wants && write[t];
			if (write[1 - t] && m[1 - t].present) { /* the other slot first, its own write */
				disk_write(&d, 1 - t, &next[1 - t]);
				same &= disk_is(&d, mid);
				disk_model(&d, got);
				check(PROP_CUT_STATE, live[state_index(got)], m, bt, "cut between set-active's writes", t);
			}
			disk_write(&d, t, &next[t]);
			same &= disk_is(&d, want);
			check(PROP_MAKE_FIRST_MODEL, same, m, bt, trial ? "update's commit" : "set-active", mode * 10 + t);
			disk_model(&d, got);
			check(PROP_CUT_STATE, live[state_index(got)], m, bt, "state after set-active/update", t);
			transitions += 1 + mark;
			/* Then every boot restarts before mark-good. */
			r = restart_run(memo, got, bt, 0);
			if (trial)
				check(PROP_TRIAL_EXACT,
				      !r->unbootable && !r->loops && r->first == t && r->n_first == (int)bt &&
					      r->n_second == (int)m_budget(&start[1 - t], bt),
				      m, bt, "boots after the update", r->n_first);
			else
				check(PROP_SET_ACTIVE,
				      r->first == t && m_bootable(&got[1 - t]) == m_bootable(&m[1 - t]), m, bt,
				      "first boot after set-active", r->first);
		}
	}
}

/* Mark-good and the condemnation on any single slot state, not only those a boot leaves. */
Test(slot_model, outcome_any_state)
{
	for (unsigned v = 1; v < SLOT_VALUES; v++)
		for (int o = O_GOOD; o <= O_OTHER; o++) {
			struct mslot want = mslot_of(v);
			struct slot_attrs cur = { want.prio, want.tries, want.good }, next = cur;
			enum slot_outcome so = o == O_GOOD ? SLOT_OUTCOME_GOOD :
					       o == O_INTEGRITY ? SLOT_OUTCOME_CONDEMNED : SLOT_OUTCOME_FAILED;
			bool w = m_outcome(o, &want), r = slot_rule_outcome(&cur, so, &next);

			cr_assert_eq(r, w, "slot %u/%u/%d outcome %d", want.prio, want.tries, want.good, o);
			if (r)
				cr_assert(next.priority == want.prio && next.tries == want.tries && next.successful == want.good,
					  "slot outcome %d", o);
		}
}

Test(slot_model, exhaustive)
{
	static const unsigned boot_tries[] = { 1, 3, 15 };
	const unsigned n_bt = sizeof(boot_tries) / sizeof(boot_tries[0]);
	bool *live = calloc(STATES, sizeof(bool));
	struct run *memo = calloc(STATES, sizeof(struct run));
	unsigned long long total = 0;

	cr_assert(live && memo);
	for (unsigned b = 0; b < n_bt; b++) {
		unsigned bt = boot_tries[b];
		memset(memo, 0, STATES * sizeof(struct run));
		for (unsigned i = 0; i < STATES; i++) {
			struct mslot m[2] = { mslot_of(i / SLOT_VALUES), mslot_of(i % SLOT_VALUES) };
			if (state_index(m) != i)
				cr_assert_fail("state %u encodes as %u", i, state_index(m));
			live[i] = check_liveness(m, bt, memo);
		}
		for (unsigned i = 0; i < STATES; i++) {
			struct mslot m[2] = { mslot_of(i / SLOT_VALUES), mslot_of(i % SLOT_VALUES) };
			check_choice(m, bt);
			check_outcomes(m, bt, live);
			check_make_first(m, bt, live, memo);
		}
	}
	for (int p = 0; p < PROP_COUNT; p++)
		total += mismatches[p];
	fprintf(stderr, "slot model: %u states x %d outcomes x %u boot_tries: %llu transitions checked, %llu mismatches\n",
		STATES, O_COUNT, n_bt, transitions, total);
	for (int p = 0; p < PROP_COUNT; p++)
		cr_expect_eq(mismatches[p], 0, "%s: %llu mismatches", prop_name[p], mismatches[p]);
	free(live);
	free(memo);
}
