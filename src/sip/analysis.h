/* The SIP analyser: attribution of SIP scanning tools and kits, and what
 * their requests leak about the scanning host (docs/sip.md).
 *
 * Plugged in through profile/registry.c: the analyser (per-packet observe,
 * per-source state, blob export), its EXT_SIP blob (blob.h), and the
 * describe, tools and keys functions that read the blob back. */
#ifndef SP_SIP_ANALYSIS_H
#define SP_SIP_ANALYSIS_H
#include "profile/analyzer.h"
#include "report/facts.h"

extern const analyzer_ops sip_analyzer;

/* Fills facts from the EXT_SIP blob: tools, changes, confidence, evidence,
 * processes, local addresses (asking the store how many sources share
 * each), SIP methods, extensions and passwords tried, notes for `show`. */
void sip_describe(const profile *p, facts *f, const describe_ctx *ctx);
/* ",tool," for every tool the blob attributes (sources --tool). */
void sip_profile_tools(const profile *p, buf *out);
/* "sip.local" for local addresses, "sip.kit" for kit fingerprints. */
void sip_profile_keys(const profile *p, key_list *out);

/* The verdict on requests no template matched, from the blob alone: 1 if
 * the source behaves as a scanner (no responses, no dialogs, and several
 * targets, users, passwords, or a scanner's header mark). */
struct sip_blob;
int sip_blob_unknown_scanner(const struct sip_blob *b);
/* The sip.kit key of an attribution: its template's name for the stock
 * tool, "template#hash" of the changed fields and values for a kit. */
struct blob_attr;
void sip_kit_key(const struct blob_attr *a, char *out, size_t n);

#endif
