/* nft_text.h — renders a ruleset model as nft syntax: what `ucfence plan`
 * prints, `nft -c -f -` accepts, and `nft -f` would install. The layout
 * follows `nft list table` (counters, sets, chains) so the two compare. */
#ifndef UCF_NFT_TEXT_H
#define UCF_NFT_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "policy.h"

/* Writes `table inet ucfence { ... }`. Returns 0 or -EIO. */
int ucf_nft_text(const struct ucf_ruleset *rs, FILE *out);

/* One element as nft writes it ("10.20.0.0/24", "udp . 5060",
 * "10.50.0.10 . 10.20.0.10 . 20000 timeout 30s",
 * "tcp . 10.20.0.10 . 40000 . 10.50.0.10 . 5060"); used in error messages too. */
void ucf_nft_elem_format(const struct ucf_set *set, const struct ucf_elem *e, char *buf,
			 size_t buflen);

/* One rule's body ("iifname @uc_ifs goto uc_forward"). */
void ucf_nft_rule_format(const struct ucf_rule *rule, char *buf, size_t buflen);

#endif
