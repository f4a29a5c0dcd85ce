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
 *   ssh_untracked_per_min = 6      new SSH connections per minute from the sources the sets
 *                                  cannot hold, all together (0..600; 0: dropped)
 *   ssh_trusted = 192.0.2.0/24 2001:db8::/64   prefixes accepted on 22, never counted or
 *                                  banned (at most 16; the key may be repeated: lines add up)
 *   ssh_trusted_iface = eth1       trusted sources count only when they come in on it
 */
#include <arpa/inet.h>
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

/* Parses one ADDR/LEN: an IPv4 or IPv6 address, a decimal length within the family's
 * bits, no host bit set, not /0 (that would trust everyone).
 * Returns 0 and fills ret, or -EINVAL (f says why). */
static int parse_prefix(const char *word, struct firewall_prefix *ret, struct fault *f)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(word, '/');
	size_t alen = slash ? (size_t)(slash - word) : 0;
	unsigned bits;

	memset(ret, 0, sizeof(*ret));
	if (!slash || alen == 0 || alen >= sizeof(addr))
		return fault_set(f, EINVAL, "[firewall] ssh_trusted: '%s' is not ADDR/LEN", word);
	memcpy(addr, word, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, ret->addr) == 1)
		ret->family = 4;
	else if (inet_pton(AF_INET6, addr, ret->addr) == 1)
		ret->family = 6;
	else
		return fault_set(f, EINVAL, "[firewall] ssh_trusted: '%s' is not an IPv4 or IPv6 address", addr);
	bits = ret->family == 4 ? 32 : 128;
	if (decimal_parse_unsigned(slash + 1, 1, bits, &ret->len) < 0)
		return fault_set(f, EINVAL, "[firewall] ssh_trusted: '%s': the length must be 1..%u", word, bits);
	for (unsigned b = ret->len; b < bits; b++)
		if (ret->addr[b / 8] & (0x80u >> (b % 8)))
			return fault_set(f, EINVAL, "[firewall] ssh_trusted: '%s' has host bits set beyond /%u",
					 word, ret->len);
	return 0;
}

/* Whether a contains b or b contains a: the shorter prefix's bits match the other. */
static bool prefixes_overlap(const struct firewall_prefix *a, const struct firewall_prefix *b)
{
	unsigned len = a->len < b->len ? a->len : b->len;

	if (a->family != b->family)
		return false;
	for (unsigned bit = 0; bit < len; bit++) {
		unsigned mask = 0x80u >> (bit % 8);
		if ((a->addr[bit / 8] & mask) != (b->addr[bit / 8] & mask))
			return false;
	}
	return true;
}

/* Appends a space-separated ssh_trusted list to the plan's; no prefix overlapping
 * another (nftables refuses overlapping intervals), at most FIREWALL_TRUSTED_MAX.
 * Returns 0, or -EINVAL (f says why). */
static int parse_trusted(const char *value, struct firewall_plan *p, struct fault *f)
{
	char buf[256];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", value);
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		struct firewall_prefix pre;
		int r = parse_prefix(w, &pre, f);
		if (r < 0)
			return r;
		for (size_t i = 0; i < p->n_trusted; i++)
			if (prefixes_overlap(&p->trusted[i], &pre))
				return fault_set(f, EINVAL, "[firewall] ssh_trusted: '%s' overlaps another listed prefix", w);
		if (p->n_trusted == FIREWALL_TRUSTED_MAX)
			return fault_set(f, EINVAL, "[firewall] ssh_trusted: more than %d prefixes", FIREWALL_TRUSTED_MAX);
		p->trusted[p->n_trusted++] = pre;
	}
	return 0;
}

/* An interface name as the kernel takes it: 1..15 of [A-Za-z0-9_.-]. */
static bool ifname_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= FIREWALL_IFNAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
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
	ret->untracked_per_min = 6;

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
		} else if (strcmp(k, "ssh_untracked_per_min") == 0) {
			if (decimal_parse_unsigned(v, 0, 600, &ret->untracked_per_min) < 0)
				return fault_set(f, EINVAL, "[firewall] ssh_untracked_per_min: expected 0..600, got '%s'", v);
		} else if (strcmp(k, "ssh_trusted") == 0) {
			r = parse_trusted(v, ret, f);
		} else if (strcmp(k, "ssh_trusted_iface") == 0) {
			if (!ifname_is_valid(v))
				return fault_set(f, EINVAL, "[firewall] ssh_trusted_iface: '%s' is not an interface name "
						 "(1..15 of A-Z a-z 0-9 _ . -)", v);
			strcpy(ret->trusted_iface, v);
		} else {
			return fault_set(f, EINVAL, "[firewall] %s: unknown key", k);
		}
		if (r < 0)
			return r;
	}
	if (ret->trusted_iface[0] && !ret->n_trusted)
		return fault_set(f, EINVAL, "[firewall] ssh_trusted_iface: set without ssh_trusted");
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
static const char *const family_saddr[2] = { "ip saddr", "ip6 saddr" };
static const char *const family_type[2] = { "ipv4_addr", "ipv6_addr" };
static const char family_tag[2] = { '4', '6' };
static const char *const family_source[2] = { "source address", "source /64" };

static size_t trusted_count(const struct firewall_plan *p, int fam)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_trusted; i++)
		n += p->trusted[i].family == (fam ? 6 : 4);
	return n;
}

int firewall_prefix_format(const struct firewall_prefix *prefix, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];
	int n;

	if (!inet_ntop(prefix->family == 6 ? AF_INET6 : AF_INET, prefix->addr, text, sizeof(text)))
		return -ENOSPC;
	n = snprintf(buf, size, "%s/%u", text, prefix->len);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

static void render_trusted_set(const struct firewall_plan *p, int fam, FILE *out)
{
	size_t k = 0;

	if (!trusted_count(p, fam))
		return;
	fprintf(out, "\tset ssh_trusted%c {\n\t\ttype %s\n\t\tflags interval\n"
		"\t\tcomment \"ssh_trusted: accepted on 22, never counted or banned\"\n\t\telements = { ",
		family_tag[fam], family_type[fam]);
	for (size_t i = 0; i < p->n_trusted; i++) {
		char text[INET6_ADDRSTRLEN + 4];
		if (p->trusted[i].family != (fam ? 6 : 4) || firewall_prefix_format(&p->trusted[i], text, sizeof(text)) < 0)
			continue;
		fprintf(out, "%s%s", k++ ? ", " : "", text);
	}
	fprintf(out, " }\n\t}\n");
}

static void render_set(const char *name, int fam, unsigned size, unsigned timeout, const char *comment, FILE *out)
{
	fprintf(out, "\tset %s {\n\t\ttype %s\n\t\tsize %u\n\t\tflags dynamic,timeout\n\t\ttimeout %us\n"
		"\t\tcomment \"%s\"\n\t}\n", name, family_type[fam], size, timeout, comment);
}

static void render_sets(const struct firewall_plan *p, FILE *out)
{
	for (int fam = 0; fam < 2; fam++) {
		char name[32], comment[128];

		render_trusted_set(p, fam, out);
		snprintf(name, sizeof(name), "ssh_known%c", family_tag[fam]);
		snprintf(comment, sizeof(comment), "each %s with a new SSH connection in the last %us", family_source[fam],
			 p->ssh_window_s);
		render_set(name, fam, p->tracked, p->ssh_window_s, comment, out);
		for (unsigned slot = 0; slot < p->ssh_max_new; slot++) {
			snprintf(name, sizeof(name), "ssh_slot%c_%u", family_tag[fam], slot);
			snprintf(comment, sizeof(comment), "window slot %u of %u: a connection in the last %us",
				 slot + 1, p->ssh_max_new, p->ssh_window_s);
			render_set(name, fam, p->tracked, p->ssh_window_s, comment, out);
		}
		snprintf(name, sizeof(name), "ssh_ban%c", family_tag[fam]);
		snprintf(comment, sizeof(comment), "banned until %us without an SSH SYN", p->ssh_ban_s);
		render_set(name, fam, p->tracked, p->ssh_ban_s, comment, out);
	}
}

/* "ip saddr @ssh_slot4_0 ip saddr @ssh_slot4_1 ": the source holds every slot. */
static void render_all_slots(const struct firewall_plan *p, int fam, FILE *out)
{
	for (unsigned slot = 0; slot < p->ssh_max_new; slot++)
		fprintf(out, "%s @ssh_slot%c_%u ", family_key[fam], family_tag[fam], slot);
}

/* The SSH chain (docs/firewall.md, "The SSH ban, exactly" and "When the sets are
 * full"). Trusted prefixes first: accepted, never counted. Then the sliding window per
 * source, made of ssh_max_new sets whose entries each live ssh_window_s from the
 * connection they record: a banned source is dropped and its ban renewed; a source
 * holding every slot is banned (or, the ban set being full, dropped); otherwise the
 * source takes its first free slot and is accepted. Every slot add first refreshes the
 * source in ssh_known, so a slot set never holds a source ssh_known does not: while
 * ssh_known has room, every tracked source finds room in the slot sets. A source that
 * ssh_known cannot take (it is full) is untracked: it falls through to one global
 * budget shared by every untracked source of both families, then to the final drop. */
static void render_ssh_chain(const struct firewall_plan *p, FILE *out)
{
	fprintf(out, "\tchain ssh_new {\n");
	for (int fam = 0; fam < 2; fam++) {
		const char *key = family_key[fam];
		char tag = family_tag[fam];

		if (trusted_count(p, fam)) {
			fprintf(out, "\t\t");
			if (p->trusted_iface[0])
				fprintf(out, "iifname \"%s\" ", p->trusted_iface);
			fprintf(out, "%s @ssh_trusted%c accept comment \"trusted: not counted, never banned\"\n",
				family_saddr[fam], tag);
		}
		fprintf(out, "\t\t%s @ssh_ban%c update @ssh_ban%c { %s } drop comment \"banned: each SYN renews the ban\"\n",
			key, tag, tag, key);
		fprintf(out, "\t\t");
		render_all_slots(p, fam, out);
		fprintf(out, "add @ssh_ban%c { %s } drop comment \"over the limit: ban\"\n", tag, key);
		fprintf(out, "\t\t");
		render_all_slots(p, fam, out);
		fprintf(out, "drop comment \"over the limit, ban set full: drop\"\n");
		for (unsigned slot = 0; slot < p->ssh_max_new; slot++)
			fprintf(out, "\t\t%s != @ssh_slot%c_%u update @ssh_known%c { %s } add @ssh_slot%c_%u { %s } accept "
				"comment \"take window slot %u\"\n", key, tag, slot, tag, key, tag, slot, key, slot + 1);
		fprintf(out, "\t\t%s @ssh_known%c drop comment \"known, its slot not recordable: drop\"\n", key, tag);
	}
	if (p->untracked_per_min)
		fprintf(out, "\t\tlimit rate %u/minute burst %u packets accept comment \"untracked (ssh_known full): "
			"one budget for all\"\n", p->untracked_per_min, p->untracked_per_min);
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
