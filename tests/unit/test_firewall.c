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
	char policy[120];
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
