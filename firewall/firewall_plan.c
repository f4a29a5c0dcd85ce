/*
 * [firewall] grammar (docs/firewall.md):
 *   ssh = tcp | vsock              vsock: no TCP port open at all
 *   tcp_ports = 8080 8443          extra TCP ports open to new connections (1..65535)
 *   udp_ports = 5353               extra UDP ports
 *   forward = drop | accept        the forward chain's policy
 *   ssh_max_new = 3                new SSH connections per source per window (1..16)
 *   ssh_window_s = 60              the window (1..3600 s)
 *   ssh_ban_s = 60                 a banned source is let in again after this long quiet
 *   tracked_sources = 65536        size of each per-source set (16..1048576)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "firewall/firewall_plan.h"

/* Parses a space-separated port list; no port twice, never 22 (SSH has its own rule). */
static int parse_ports(const char *value, uint16_t *ports, size_t *n, struct fault *f, const char *key)
{
	char buf[256];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", value);
	*n = 0;
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		unsigned port;
		if (decimal_parse_unsigned(w, 1, 65535, &port) < 0)
			return fault_set(f, EINVAL, "[firewall] %s: '%s' is not a port (1..65535)", key, w);
		if (port == 22 && strcmp(key, "tcp_ports") == 0)
			return fault_set(f, EINVAL, "[firewall] %s: 22 is SSH's, set by ssh =", key);
		for (size_t i = 0; i < *n; i++)
			if (ports[i] == port)
				return fault_set(f, EINVAL, "[firewall] %s: port %u is listed twice", key, port);
		if (*n == FIREWALL_PORTS_MAX)
			return fault_set(f, EINVAL, "[firewall] %s: more than %d ports", key, FIREWALL_PORTS_MAX);
		ports[(*n)++] = (uint16_t)port;
	}
	return 0;
}

int firewall_plan_build(const struct firewall_settings *s, bool cmdline_vsock, struct firewall_plan *ret,
			struct fault *f)
{
	memset(ret, 0, sizeof(*ret));
	ret->ssh = SSH_TCP;
	ret->ssh_max_new = 3;
	ret->ssh_window_s = 60;
	ret->ssh_ban_s = 60;
	ret->tracked = 65536;

	for (size_t i = 0; i < s->n; i++) {
		const char *k = s->keys[i], *v = s->values[i];
		int r = 0;

		if (strcmp(k, "ssh") == 0) {
			if (strcmp(v, "tcp") && strcmp(v, "vsock"))
				return fault_set(f, EINVAL, "[firewall] ssh: expected tcp | vsock, got '%s'", v);
			ret->ssh = strcmp(v, "vsock") == 0 ? SSH_VSOCK : SSH_TCP;
		} else if (strcmp(k, "tcp_ports") == 0) {
			r = parse_ports(v, ret->tcp_ports, &ret->n_tcp, f, k);
		} else if (strcmp(k, "udp_ports") == 0) {
			r = parse_ports(v, ret->udp_ports, &ret->n_udp, f, k);
		} else if (strcmp(k, "forward") == 0) {
			if (strcmp(v, "drop") && strcmp(v, "accept"))
				return fault_set(f, EINVAL, "[firewall] forward: expected drop | accept, got '%s'", v);
			ret->forward_accept = strcmp(v, "accept") == 0;
		} else if (strcmp(k, "ssh_max_new") == 0) {
			if (decimal_parse_unsigned(v, 1, FIREWALL_SLOTS_MAX, &ret->ssh_max_new) < 0)
				return fault_set(f, EINVAL, "[firewall] ssh_max_new: expected 1..%d, got '%s'", FIREWALL_SLOTS_MAX, v);
		} else if (strcmp(k, "ssh_window_s") == 0 || strcmp(k, "ssh_ban_s") == 0) {
			if (decimal_parse_unsigned(v, 1, 3600, k[4] == 'w' ? &ret->ssh_window_s : &ret->ssh_ban_s) < 0)
				return fault_set(f, EINVAL, "[firewall] %s: expected 1..3600, got '%s'", k, v);
		} else if (strcmp(k, "tracked_sources") == 0) {
			if (decimal_parse_unsigned(v, 16, 1048576, &ret->tracked) < 0)
				return fault_set(f, EINVAL, "[firewall] tracked_sources: expected 16..1048576, got '%s'", v);
		} else {
			return fault_set(f, EINVAL, "[firewall] %s: unknown key", k);
		}
		if (r < 0)
			return r;
	}
	if (cmdline_vsock)
		ret->ssh = SSH_VSOCK;
	return 0;
}

bool firewall_settings_want_vsock(const struct firewall_settings *s, bool cmdline_vsock)
{
	bool vsock = cmdline_vsock;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], "ssh") == 0 && !cmdline_vsock)
			vsock = strcmp(s->values[i], "vsock") == 0;
	return vsock;
}

const char firewall_deny_all[] =
	"# hardinit fallback: the configured ruleset could not be loaded.\n"
	"add table inet hardinit\n"
	"delete table inet hardinit\n"
	"table inet hardinit {\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority filter; policy drop;\n"
	"\t\tiif \"lo\" accept\n"
	"\t\tct state established,related accept\n"
	"\t}\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t}\n"
	"}\n";

/* The per-source keys: an IPv4 address, or an IPv6 address's /64. */
static const char *const family_key[2] = { "ip saddr", "ip6 saddr & ffff:ffff:ffff:ffff::" };
static const char *const family_type[2] = { "ipv4_addr", "ipv6_addr" };
static const char family_tag[2] = { '4', '6' };

static void render_sets(const struct firewall_plan *p, FILE *out)
{
	for (int fam = 0; fam < 2; fam++) {
		for (unsigned slot = 0; slot < p->ssh_max_new; slot++)
			fprintf(out, "\tset ssh_slot%c_%u {\n\t\ttype %s\n\t\tsize %u\n\t\tflags dynamic,timeout\n"
				"\t\ttimeout %us\n\t}\n", family_tag[fam], slot, family_type[fam], p->tracked, p->ssh_window_s);
		fprintf(out, "\tset ssh_ban%c {\n\t\ttype %s\n\t\tsize %u\n\t\tflags dynamic,timeout\n\t\ttimeout %us\n\t}\n",
			family_tag[fam], family_type[fam], p->tracked, p->ssh_ban_s);
	}
}

/* The SSH chain: a sliding window per source made of ssh_max_new sets whose entries
 * each live ssh_window_s from the connection they record. A new connection takes a
 * free slot; when every slot of a source is taken, the source is banned, and each SYN
 * it sends while banned renews the ban. A full set fails closed: its `add` does not
 * happen, so the rule does not accept, and the chain ends in drop. */
static void render_ssh_chain(const struct firewall_plan *p, FILE *out)
{
	fprintf(out, "\tchain ssh_new {\n");
	for (int fam = 0; fam < 2; fam++) {
		const char *key = family_key[fam];
		char tag = family_tag[fam];

		fprintf(out, "\t\t%s @ssh_ban%c update @ssh_ban%c { %s } drop\n", key, tag, tag, key);
		fprintf(out, "\t\t");
		for (unsigned slot = 0; slot < p->ssh_max_new; slot++)
			fprintf(out, "%s @ssh_slot%c_%u ", key, tag, slot);
		fprintf(out, "add @ssh_ban%c { %s } drop\n", tag, key);
		for (unsigned slot = 0; slot < p->ssh_max_new; slot++)
			fprintf(out, "\t\t%s != @ssh_slot%c_%u add @ssh_slot%c_%u { %s } accept\n", key, tag, slot, tag, slot, key);
	}
	fprintf(out, "\t\tdrop\n\t}\n");
}

static void render_ports(const char *proto, const uint16_t *ports, size_t n, FILE *out)
{
	if (!n)
		return;
	fprintf(out, "\t\t%s dport { ", proto);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? ", " : "", ports[i]);
	fprintf(out, " } ct state new accept\n");
}

char *firewall_plan_render(const struct firewall_plan *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	fprintf(out, "# hardinit firewall, rendered from the policy; loaded in one transaction.\n"
		     "add table inet hardinit\ndelete table inet hardinit\ntable inet hardinit {\n");
	if (p->ssh == SSH_TCP)
		render_sets(p, out);
	fprintf(out, "\tchain input {\n"
		     "\t\ttype filter hook input priority filter; policy drop;\n"
		     "\t\tiif \"lo\" accept\n"
		     "\t\tct state established,related accept\n"
		     "\t\tct state invalid drop\n"
		     "\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } accept\n"
		     "\t\ticmp type echo-request limit rate 5/second burst 10 packets accept\n"
		     "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, "
		     "nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query } accept\n"
		     "\t\ticmpv6 type echo-request limit rate 5/second burst 10 packets accept\n");
	if (p->ssh == SSH_TCP)
		fprintf(out, "\t\ttcp dport 22 ct state new jump ssh_new\n");
	render_ports("tcp", p->tcp_ports, p->n_tcp, out);
	render_ports("udp", p->udp_ports, p->n_udp, out);
	fprintf(out, "\t}\n");
	if (p->ssh == SSH_TCP)
		render_ssh_chain(p, out);
	fprintf(out, "\tchain forward {\n\t\ttype filter hook forward priority filter; policy %s;\n\t}\n}\n",
		p->forward_accept ? "accept" : "drop");
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
