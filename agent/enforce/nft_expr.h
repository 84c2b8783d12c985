/* nft_expr.h — one rule of the model as libnftnl expressions, with the
 * registers, dependencies and encodings nft 1.0.x uses for the same text,
 * so `nft list` shows the rule exactly as nft_text.c prints it. */
#ifndef UCF_NFT_EXPR_H
#define UCF_NFT_EXPR_H

#include "policy.h"

struct nftnl_rule;

/* Appends rule's expressions (and its comment) to r. 0 or -ENOMEM. */
int ucf_nft_rule_exprs(struct nftnl_rule *r, const struct ucf_ruleset *rs,
		       const struct ucf_rule *rule);

#endif
