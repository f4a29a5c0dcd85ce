#ifndef HARDINIT_FIREWALL_APPLY_H
#define HARDINIT_FIREWALL_APPLY_H

#include "common/fault.h"

/* Loads an nftables ruleset text with libnftables, in one transaction (all or
 * nothing); libnftables' error lines go to the log. Returns 0, or -EINVAL with the
 * first error line in f. */
int firewall_apply_load(const char *ruleset, struct fault *f);

#endif
