/* Suricata rules that detect each modified kit found: one rule per token
 * the kit changed, its msg naming the campaign (docs/campaigns.md). */
#ifndef SP_CAMPAIGN_RULES_H
#define SP_CAMPAIGN_RULES_H
#include <stdio.h>

#include "campaign/campaign.h"

/* Writes the rules of every kit campaign (K) of s; returns how many, or -1
 * when out of memory. */
int campaign_rules_write(FILE *out, const campaign_set *s);

#endif
