#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init/policy.h"
#include "firewall/firewall_plan.h"
#include "golden.h"

/* Strings inline: Criterion re-executes the binary, so pointers would not survive. */
struct ruleset_case {
	char golden[48];
	char policy[200];
	int vsock;
};

ParameterizedTestParameters(firewall, golden)
{
	static struct ruleset_case cases[] = {
		{ "golden/default.nft", "", 0 },
		{ "golden/extra-ports.nft", "[firewall]\ntcp_ports = 8080 8443\nudp_ports = 5353\nforward = accept\n", 0 },
		{ "golden/vsock.nft", "[firewall]\nssh = vsock\n", 0 },
		{ "golden/vsock-cmdline.nft", "[firewall]\ntcp_ports = 8080\n", 1 },
		{ "golden/ssh-limits.nft", "[firewall]\nssh_max_new = 2\nssh_window_s = 30\nssh_ban_s = 120\ntracked_sources = 1024\n", 0 },
		{ "golden/ssh-trusted.nft", "[firewall]\nssh_trusted = 192.168.203.0/24 fd00:203::/64\nssh_trusted = 10.1.2.3/32\n"
					    "ssh_untracked_per_min = 12\n", 0 },
		{ "golden/ssh-trusted-v6-iface.nft", "[firewall]\nssh_trusted = 2001:db8:42::/48 fe80::1/128\n"
						     "ssh_trusted_iface = eth1\nssh_untracked_per_min = 0\nssh_max_new = 1\n", 0 },
	};
	return cr_make_param_array(struct ruleset_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The rendered ruleset for a policy matches its golden file (UPDATE_GOLDEN=1 rewrites). */
ParameterizedTest(struct ruleset_case *c, firewall, golden)
{
	struct policy p;
	struct firewall_plan plan;
	struct fault f = { "" };
	char *text;

	policy_set_defaults(&p);
	cr_assert_eq(policy_parse_text(c->policy, "t", &p, &f), 0, "%s", f.text);
	cr_assert_eq(firewall_plan_build(&p.firewall, c->vsock, &plan, &f), 0, "%s", f.text);
	text = firewall_plan_render(&plan);
	cr_assert_not_null(text);
	golden_check(c->golden, text);
	free(text);
}

struct bad_case {
	char policy[400];
	char reason[80];
};

ParameterizedTestParameters(firewall, bad_values)
{
	static struct bad_case cases[] = {
		{ "[firewall]\ntcp_ports = 8080 x\n", "tcp_ports: 'x' is not a port" },
		{ "[firewall]\ntcp_ports = 0\n", "tcp_ports: '0' is not a port" },
		{ "[firewall]\ntcp_ports = 65536\n", "tcp_ports: '65536' is not a port" },
		{ "[firewall]\ntcp_ports = -1\n", "tcp_ports: '-1' is not a port" },
		{ "[firewall]\ntcp_ports = 80 80\n", "port 80 is listed twice" },
		{ "[firewall]\ntcp_ports = 22\n", "22 is SSH's" },
		{ "[firewall]\nudp_ports = 1e3\n", "udp_ports: '1e3'" },
		{ "[firewall]\nssh = telnet\n", "ssh: expected tcp | vsock" },
		{ "[firewall]\nforward = maybe\n", "forward: expected drop | accept" },
		{ "[firewall]\nssh_max_new = 0\n", "ssh_max_new: expected 1..16" },
		{ "[firewall]\nssh_window_s = 99999\n", "ssh_window_s: expected 1..3600" },
		{ "[firewall]\ntracked_sources = 8\n", "tracked_sources" },
		{ "[firewall]\nopen_everything = yes\n", "open_everything: unknown key" },
		{ "[firewall]\nssh_untracked_per_min = 601\n", "ssh_untracked_per_min: expected 0..600" },
		{ "[firewall]\nssh_untracked_per_min = -1\n", "ssh_untracked_per_min: expected 0..600" },
		{ "[firewall]\nssh_trusted = 192.168.1.0\n", "'192.168.1.0' is not ADDR/LEN" },
		{ "[firewall]\nssh_trusted = /24\n", "'/24' is not ADDR/LEN" },
		{ "[firewall]\nssh_trusted = 192.168.1.0/\n", "the length must be 1..32" },
		{ "[firewall]\nssh_trusted = 192.168.1.0/33\n", "the length must be 1..32" },
		{ "[firewall]\nssh_trusted = 0.0.0.0/0\n", "the length must be 1..32" },
		{ "[firewall]\nssh_trusted = ::/0\n", "the length must be 1..128" },
		{ "[firewall]\nssh_trusted = 2001:db8::/129\n", "the length must be 1..128" },
		{ "[firewall]\nssh_trusted = 192.168.1.0/+24\n", "the length must be 1..32" },
		{ "[firewall]\nssh_trusted = 192.168.1.1/24\n", "'192.168.1.1/24' has host bits set beyond /24" },
		{ "[firewall]\nssh_trusted = 10.0.0.128/24\n", "has host bits set beyond /24" },
		{ "[firewall]\nssh_trusted = 2001:db8::1/64\n", "'2001:db8::1/64' has host bits set beyond /64" },
		{ "[firewall]\nssh_trusted = 2001:db8:0:1::/63\n", "has host bits set beyond /63" },
		{ "[firewall]\nssh_trusted = 192.168.1/24\n", "'192.168.1' is not an IPv4 or IPv6 address" },
		{ "[firewall]\nssh_trusted = 256.1.1.0/24\n", "is not an IPv4 or IPv6 address" },
		{ "[firewall]\nssh_trusted = fe80::/64%eth0\n", "the length must be" },
		{ "[firewall]\nssh_trusted = host.example/32\n", "is not an IPv4 or IPv6 address" },
		{ "[firewall]\nssh_trusted = 10.0.0.0/8 10.1.0.0/16\n", "'10.1.0.0/16' overlaps" },
		{ "[firewall]\nssh_trusted = 10.1.0.0/16\nssh_trusted = 10.0.0.0/8\n", "'10.0.0.0/8' overlaps" },
		{ "[firewall]\nssh_trusted = 2001:db8::/32 2001:db8::/32\n", "overlaps" },
		{ "[firewall]\nssh_trusted = 10.0.0.0/32 10.0.0.1/32 10.0.0.2/32 10.0.0.3/32 10.0.0.4/32 10.0.0.5/32\n"
		  "ssh_trusted = 10.0.0.6/32 10.0.0.7/32 10.0.0.8/32 10.0.0.9/32 10.0.0.10/32 10.0.0.11/32\n"
		  "ssh_trusted = 10.0.0.12/32 10.0.0.13/32 10.0.0.14/32 10.0.0.15/32 10.0.0.16/32\n", "more than 16 prefixes" },
		{ "[firewall]\nssh_trusted_iface = eth1\n", "ssh_trusted_iface: set without ssh_trusted" },
		{ "[firewall]\nssh_trusted = 10.0.0.0/8\nssh_trusted_iface = eth 1\n", "'eth 1' is not an interface name" },
		{ "[firewall]\nssh_trusted = 10.0.0.0/8\nssh_trusted_iface = eth\"1\n", "is not an interface name" },
		{ "[firewall]\nssh_trusted = 10.0.0.0/8\nssh_trusted_iface = a234567890123456\n", "is not an interface name" },
	};
	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* Invalid values are refused with the key named (the boot then loads deny-all). */
ParameterizedTest(struct bad_case *c, firewall, bad_values)
{
	struct policy p;
	struct firewall_plan plan;
	struct fault f = { "" };

	policy_set_defaults(&p);
	cr_assert_eq(policy_parse_text(c->policy, "t", &p, &f), 0, "the policy parser keeps [firewall] as text");
	cr_assert_eq(firewall_plan_build(&p.firewall, false, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, c->reason), "got '%s', want '%s'", f.text, c->reason);
}

/* The deny-all fallback admits only loopback and established traffic. */
Test(firewall, deny_all)
{
	cr_assert(strstr(firewall_deny_all, "policy drop;"));
	cr_assert(strstr(firewall_deny_all, "iif \"lo\" accept"));
	cr_assert(strstr(firewall_deny_all, "ct state established,related accept"));
	cr_assert_null(strstr(firewall_deny_all, "dport"));
}

/* vsock mode leaves no TCP port open, not even 22. */
Test(firewall, vsock_closes_tcp)
{
	struct policy p;
	struct firewall_plan plan;
	char *text;

	policy_set_defaults(&p);
	cr_assert_eq(firewall_plan_build(&p.firewall, true, &plan, NULL), 0);
	text = firewall_plan_render(&plan);
	cr_assert_null(strstr(text, "dport 22"));
	cr_assert_null(strstr(text, "tcp dport"));
	free(text);
}

/* Good ssh_trusted values: both families, the key repeated (lines add up), up to 16
 * prefixes, /32 and /128 hosts, commas as separators, adjacent prefixes. */
Test(firewall, ssh_trusted_good)
{
	struct policy p;
	struct firewall_plan plan;
	struct fault f = { "" };
	const char *text = "[firewall]\nssh_trusted = 10.0.0.0/32, 10.0.0.1/32 10.0.0.2/31 10.0.0.4/30 10.0.0.8/29\n"
			   "ssh_trusted = 192.168.0.0/16 172.16.0.0/12 2001:db8::/32 2001:db9::1/128 fd00:0:0:1::/64\n"
			   "ssh_trusted = ::ffff:10.9.0.0/112 1.2.3.4/32 5.6.7.0/24 8.0.0.0/7 fe80::/10 ff00::/8\n"
			   "ssh_trusted_iface = br-mgmt.1\n";

	policy_set_defaults(&p);
	cr_assert_eq(policy_parse_text(text, "t", &p, &f), 0, "%s", f.text);
	cr_assert_eq(firewall_plan_build(&p.firewall, false, &plan, &f), 0, "%s", f.text);
	cr_assert_eq(plan.n_trusted, 16);
	cr_assert_eq(plan.trusted[2].family, 4);
	cr_assert_eq(plan.trusted[2].len, 31);
	cr_assert_eq(plan.trusted[7].family, 6);
	cr_assert_eq(plan.trusted[7].len, 32);
	cr_assert_str_eq(plan.trusted_iface, "br-mgmt.1");
	cr_assert_eq(plan.untracked_per_min, 6, "the default budget");
}

/* The trusted rule comes before the ban and the counting in ssh_new (a trusted source is
 * never counted); without ssh_trusted there is no trusted rule at all. */
Test(firewall, trusted_rule_first)
{
	struct policy p;
	struct firewall_plan plan;
	struct fault f = { "" };
	char *text;

	policy_set_defaults(&p);
	cr_assert_eq(policy_parse_text("[firewall]\nssh_trusted = 192.0.2.0/24\n", "t", &p, &f), 0);
	cr_assert_eq(firewall_plan_build(&p.firewall, false, &plan, &f), 0, "%s", f.text);
	text = firewall_plan_render(&plan);
	cr_assert(strstr(text, "ip saddr @ssh_trusted4 accept"));
	cr_assert(strstr(text, "ip saddr @ssh_trusted4 accept") < strstr(text, "@ssh_ban4 update"));
	cr_assert_null(strstr(text, "ssh_trusted6"), "no IPv6 prefix, no IPv6 set");
	free(text);
	cr_assert_eq(firewall_plan_build(&(struct firewall_settings){ 0 }, false, &plan, &f), 0);
	text = firewall_plan_render(&plan);
	cr_assert_null(strstr(text, "trusted"));
	free(text);
}
