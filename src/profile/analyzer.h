/* Analysers: modules that look at every decoded packet beside the core
 * profile (SIP attribution, raw-tool marks, ...) and keep their own state per
 * source, keyed by the source's record number in the table. At a flush each
 * one writes its state as a blob into the profile (profile.h, ext[]), and
 * says how two blobs merge, so stores never need to know what is inside. */
#ifndef SP_ANALYZER_H
#define SP_ANALYZER_H
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "profile/profile.h"
#include "profile/ptable.h"

struct store;
/* For prefetch(): starts loading a per-source record of n bytes (at most a
 * line), which may span two cache lines: its first and its last byte. */
__attribute__((always_inline)) static inline void analyzer_prefetch_record(const void *r, size_t n)
{
	__builtin_prefetch(r, 1);
	__builtin_prefetch((const char *)r + n - 1, 1);
}

typedef struct analyzer_ops {
	const char *name;
	enum profile_ext ext; /* the blob slot it fills */
	void *(*create)(void);
	void (*destroy)(void *self);
	/* Called for every IP packet after the core profile was updated. */
	void (*observe)(void *self, ptable *t, uint32_t idx, acc *a, const pkt_view *v);
	/* Optional: a few packets before observe() of source idx, starts loading
	 * the memory observe() will touch (__builtin_prefetch), without waiting. */
	void (*prefetch)(void *self, uint32_t idx);
	/* Writes the state of source idx (may write nothing). */
	void (*export)(void *self, ptable *t, uint32_t idx, buf *blob);
	/* Optional: writes what the analyser keeps beside the sources (not per
	 * source, e.g. per port and day) into the store's open transaction; called
	 * at every flush after the profiles, before clear(). 0, or -1 with the
	 * store's error set. */
	int (*flush)(void *self, struct store *st);
	/* The table was flushed and cleared: forget every source. */
	void (*clear)(void *self);
	uint64_t (*mem)(void *self);
} analyzer_ops;

/* The analysers, in the order they run. NULL-terminated. */
extern const analyzer_ops *const analyzer_list[];

/* Derived per-source summary written beside the profile for filtering
 * (e.g. the tool names for `sources --tool`). Each analyser that attributes
 * tools appends lower-case names, comma separated, to out. */
typedef void (*profile_tools_fn)(const profile *p, buf *out);
extern const profile_tools_fn profile_tools_list[];

/* ",sipvicious,nmap," style list of every tool attributed to p. */
void profile_tools(const profile *p, buf *out);

/* Keys: facts about a source that other sources may share (a kit's
 * fingerprint, a hard-coded local address, a raw tool's parameters). The
 * store indexes them, so that "how many sources share this?" and "group the
 * sources by this" are cheap queries (campaigns, kit constants). Derived
 * from the merged profile on every write. */
#define KEY_KIND_MAX 24
#define KEY_TEXT_MAX 120
#define KEYS_MAX 32
typedef struct key_list {
	int n;
	struct {
		char kind[KEY_KIND_MAX]; /* e.g. "sip.local", "sip.kit" */
		char key[KEY_TEXT_MAX];  /* e.g. "192.168.1.9" */
	} k[KEYS_MAX];
} key_list;
typedef void (*profile_keys_fn)(const profile *p, key_list *out);
extern const profile_keys_fn profile_keys_list[];
void profile_keys(const profile *p, key_list *out);
void key_list_add(key_list *l, const char *kind, const char *key);

#endif
