#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "common/log.h"
#include "firewall/firewall_apply.h"

int firewall_apply_load(const char *ruleset, struct fault *f)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *errors;
	int r;

	if (!ctx)
		return fault_set(f, ENOMEM, "unable to start libnftables");
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	r = nft_run_cmd_from_buffer(ctx, ruleset);
	errors = nft_ctx_get_error_buffer(ctx);
	if (r != 0) {
		char first[256] = "";
		const char *line = errors ? errors : "";
		sscanf(line, "%255[^\n]", first);
		for (const char *l = line; *l;) {
			const char *nl = strchr(l, '\n');
			int len = nl ? (int)(nl - l) : (int)strlen(l);
			if (len > 0)
				log_error("libnftables: %.*s", len, l);
			l += len + (nl ? 1 : 0);
		}
		r = fault_set(f, EINVAL, "unable to load the ruleset: %s", first[0] ? first : "libnftables failed");
	}
	nft_ctx_free(ctx);
	return r;
}
