/* The firewall, planned: the [firewall] settings parsed into a plan and rendered as
 * one nftables ruleset (table inet hardinit), loaded in one transaction. Pure.
 * docs/firewall.md states the rules and the SSH ban's semantics. */
#ifndef HARDINIT_FIREWALL_PLAN_H
#define HARDINIT_FIREWALL_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/fault.h"

/* The [firewall] section, kept as text: the firewall plan parses it, so that a bad
 * value there fails closed (deny-all ruleset) instead of stopping the boot. */
#define FIREWALL_KEYS_MAX 16
struct firewall_settings {
	char keys[FIREWALL_KEYS_MAX][32];
	char values[FIREWALL_KEYS_MAX][256];
	size_t n;
	int line[FIREWALL_KEYS_MAX];
};

#define FIREWALL_PORTS_MAX 32
#define FIREWALL_SLOTS_MAX 16
#define FIREWALL_TRUSTED_MAX 16   /* ssh_trusted prefixes, both families together */
#define FIREWALL_IFNAME_MAX 16    /* IFNAMSIZ, with the NUL */

enum ssh_mode { SSH_TCP, SSH_VSOCK };

/* One ssh_trusted prefix: family 4 or 6, the address in network order (the first 4
 * bytes for IPv4), host bits zero. */
struct firewall_prefix {
	int family;
	uint8_t addr[16];
	unsigned len;
};

/* Writes prefix as "ADDR/LEN". Returns 0, or -ENOSPC if it does not fit size bytes. */
int firewall_prefix_format(const struct firewall_prefix *prefix, char *buf, size_t size);

struct firewall_plan {
	enum ssh_mode ssh;
	uint16_t tcp_ports[FIREWALL_PORTS_MAX];   /* extra TCP ports open to new connections */
	size_t n_tcp;
	uint16_t udp_ports[FIREWALL_PORTS_MAX];
	size_t n_udp;
	bool forward_accept;
	unsigned ssh_max_new;     /* new SSH connections a source may open per window */
	unsigned ssh_window_s;
	unsigned ssh_ban_s;       /* quiet time that lifts a ban */
	unsigned tracked;         /* size of each per-source set */
	unsigned untracked_per_min; /* new SSH connections per minute, all untracked sources together; 0: none */
	struct firewall_prefix trusted[FIREWALL_TRUSTED_MAX]; /* accepted on 22, never counted */
	size_t n_trusted;
	char trusted_iface[FIREWALL_IFNAME_MAX]; /* "" or the only interface trusted sources may come in on */
};

/* Parses the [firewall] settings (and the cmdline's hardinit.ssh=vsock) into a plan.
 * Returns 0, or -EINVAL for an unknown key or a bad value (f names the key). */
int firewall_plan_build(const struct firewall_settings *s, bool cmdline_vsock, struct firewall_plan *ret,
			struct fault *f);

/* Whether management is over vsock: hardinit.ssh=vsock on the command line, or an
 * `ssh = vsock` in the settings even when another key there is bad (the vsock modules
 * must still be loaded before modules are locked, or the appliance is unreachable). */
bool firewall_settings_want_vsock(const struct firewall_settings *s, bool cmdline_vsock);

/* Renders the ruleset. Returns a malloc'd text, or NULL when out of memory. */
char *firewall_plan_render(const struct firewall_plan *plan);

/* The fallback: inbound denied but for loopback and established connections. */
extern const char firewall_deny_all[];

#endif
