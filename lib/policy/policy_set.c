/*
 * Policy sets and their index. With thousands of statements attached, a
 * linear scan per decision is too slow, so each statement is filed once
 * under its most selective literal key:
 *   - the literal prefix of its Resource patterns (e.g. "arn:aws:iam::1:role/App"),
 *     found at query time by hashing every prefix of the request's resource;
 *   - else its exact (wildcard-free) action names;
 *   - else an "always check" list (NotAction, NotResource, "*" everywhere).
 * Candidates are then evaluated in full, so the index only prunes; the
 * deciding statement is the lowest ordinal, independent of the index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_set.h"
#include "policy/wildcard.h"

#define MAX_PREFIX 1024

typedef struct {
	char *key;
	size_t klen;
	uint64_t hash;
	size_t *ids;
	size_t nids, cap;
} sts_bucket;

typedef struct {
	sts_bucket *slots;
	size_t nslots, used;
} sts_strmap;

struct sts_policy_set {
	sts_policy **policies;
	size_t npolicies, cap;
	sts_stmt_ref *refs;
	size_t nrefs;
	sts_strmap by_action, by_prefix;
	size_t *always;
	size_t nalways;
	unsigned char prefix_len_used[MAX_PREFIX + 1];
	size_t max_prefix;
	bool finished;
};

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME  1099511628211ULL

static uint64_t fnv_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * FNV_PRIME;
}

static uint64_t fnv(const char *s, size_t len)
{
	uint64_t h = FNV_OFFSET;

	for (size_t i = 0; i < len; i++)
		h = fnv_step(h, (unsigned char)s[i]);
	return h;
}

static sts_bucket *map_slot(const sts_strmap *m, uint64_t h, const char *key, size_t klen)
{
	size_t mask = m->nslots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		sts_bucket *b = &m->slots[i];
		if (!b->key || (b->hash == h && b->klen == klen && memcmp(b->key, key, klen) == 0))
			return b;
	}
}

static int map_grow(sts_strmap *m)
{
	sts_strmap bigger = { .nslots = m->nslots ? m->nslots * 2 : 64 };

	bigger.slots = calloc(bigger.nslots, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < m->nslots; i++) {
		sts_bucket *b = &m->slots[i];
		if (b->key)
			*map_slot(&bigger, b->hash, b->key, b->klen) = *b;
	}
	bigger.used = m->used;
	free(m->slots);
	*m = bigger;
	return 0;
}

static int map_add(sts_strmap *m, const char *key, size_t klen, size_t id)
{
	uint64_t h = fnv(key, klen);
	sts_bucket *b;

	if ((m->used + 1) * 2 > m->nslots && map_grow(m) < 0)
		return -1;
	b = map_slot(m, h, key, klen);
	if (!b->key) {
		b->key = strndup(key, klen);
		if (!b->key)
			return -1;
		b->klen = klen;
		b->hash = h;
		m->used++;
	}
	if (b->nids == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;
		size_t *grown = realloc(b->ids, cap * sizeof(*grown));
		if (!grown)
			return -1;
		b->ids = grown;
		b->cap = cap;
	}
	b->ids[b->nids++] = id;
	return 0;
}

static const sts_bucket *map_find(const sts_strmap *m, uint64_t h, const char *key, size_t klen)
{
	const sts_bucket *b;

	if (!m->nslots)
		return NULL;
	b = map_slot(m, h, key, klen);
	return b->key ? b : NULL;
}

static void map_free(sts_strmap *m)
{
	for (size_t i = 0; i < m->nslots; i++) {
		free(m->slots[i].key);
		free(m->slots[i].ids);
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

sts_policy_set *sts_policy_set_new(void)
{
	return calloc(1, sizeof(sts_policy_set));
}

void sts_policy_set_free(sts_policy_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->npolicies; i++)
		sts_policy_free(set->policies[i]);
	free(set->policies);
	free(set->refs);
	free(set->always);
	map_free(&set->by_action);
	map_free(&set->by_prefix);
	free(set);
}

int sts_policy_set_add(sts_policy_set *set, sts_policy *policy)
{
	if (set->finished)
		return -1;
	if (set->npolicies == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
		sts_policy **grown = realloc(set->policies, cap * sizeof(*grown));
		if (!grown)
			return -1;
		set->policies = grown;
		set->cap = cap;
	}
	set->policies[set->npolicies++] = policy;
	return 0;
}

size_t sts_policy_set_size(const sts_policy_set *set)
{
	return set ? set->npolicies : 0;
}

/* The literal text every matching resource starts with (0 when none). */
static size_t resource_prefix(const sts_resource_pattern *r, char *out, size_t cap)
{
	const sts_template *t = &r->text;

	if (r->is_star || t->nsegs == 0)
		return 0;
	if (!t->has_vars)
		return sts_glob_literal_prefix(t->glob, strlen(t->glob), out, cap);
	if (t->segs[0].kind != SEG_TEXT)
		return 0;
	return sts_glob_literal_prefix(t->segs[0].text, strlen(t->segs[0].text), out, cap);
}

static bool past_account_field(const char *prefix, size_t len)
{
	size_t colons = 0;

	for (size_t i = 0; i < len; i++)
		colons += prefix[i] == ':';
	return colons >= 5 && prefix[len - 1] != ':';
}

static bool literal_actions(const sts_statement *st)
{
	if (st->not_action)
		return false;
	for (size_t i = 0; i < st->nactions; i++) {
		if (st->actions[i].is_star || strpbrk(st->actions[i].glob, "*?\\"))
			return false;
	}
	return true;
}

/* Files the statement under its resource prefixes; returns 1 if it did. */
static int file_by_resource(sts_policy_set *set, const sts_statement *st, size_t id,
			    bool need_selective)
{
	char prefix[MAX_PREFIX + 1];

	if (!st->has_resource || st->not_resource)
		return 0;
	for (size_t i = 0; i < st->nresources; i++) {
		size_t len = resource_prefix(&st->resources[i], prefix, sizeof(prefix));
		if (len == 0 || len >= MAX_PREFIX)
			return 0;
		if (need_selective && !past_account_field(prefix, len))
			return 0;
	}
	for (size_t i = 0; i < st->nresources; i++) {
		size_t len = resource_prefix(&st->resources[i], prefix, sizeof(prefix));
		if (map_add(&set->by_prefix, prefix, len, id) < 0)
			return -1;
		set->prefix_len_used[len] = 1;
		if (len > set->max_prefix)
			set->max_prefix = len;
	}
	return 1;
}

static int file_statement(sts_policy_set *set, const sts_statement *st, size_t id)
{
	int filed = file_by_resource(set, st, id, true);

	if (filed)
		return filed < 0 ? -1 : 0;
	if (literal_actions(st)) {
		for (size_t i = 0; i < st->nactions; i++) {
			if (map_add(&set->by_action, st->actions[i].glob,
				    strlen(st->actions[i].glob), id) < 0)
				return -1;
		}
		return 0;
	}
	filed = file_by_resource(set, st, id, false);
	if (filed)
		return filed < 0 ? -1 : 0;
	set->always[set->nalways++] = id;
	return 0;
}

int sts_policy_set_finish(sts_policy_set *set)
{
	size_t total = 0, id = 0;

	if (set->finished)
		return 0;
	for (size_t p = 0; p < set->npolicies; p++)
		total += set->policies[p]->nstatements;
	set->refs = calloc(total ? total : 1, sizeof(*set->refs));
	set->always = calloc(total ? total : 1, sizeof(*set->always));
	if (!set->refs || !set->always)
		return -1;
	for (size_t p = 0; p < set->npolicies; p++) {
		for (size_t s = 0; s < set->policies[p]->nstatements; s++, id++) {
			set->refs[id].policy = set->policies[p];
			set->refs[id].statement = &set->policies[p]->statements[s];
			set->refs[id].ordinal = id;
			if (file_statement(set, set->refs[id].statement, id) < 0)
				return -1;
		}
	}
	set->nrefs = total;
	set->finished = true;
	return 0;
}

static void consider(const sts_policy_set *set, size_t id, const sts_prepared *pr,
		     sts_set_result *out)
{
	const sts_stmt_ref *ref = &set->refs[id];
	const sts_stmt_ref **best = ref->statement->allow ? &out->first_allow : &out->first_deny;

	if (*best && (*best)->ordinal <= id)
		return; /* an earlier statement of this effect already decided */
	if (sts_statement_applies(ref->statement, pr))
		*best = ref;
}

static void consider_bucket(const sts_policy_set *set, const sts_bucket *b, const sts_prepared *pr,
			    sts_set_result *out)
{
	for (size_t i = 0; b && i < b->nids; i++)
		consider(set, b->ids[i], pr, out);
}

void sts_policy_set_eval(const sts_policy_set *set, const sts_prepared *pr, sts_set_result *out)
{
	const char *res = pr->resource;
	size_t limit;
	uint64_t h = FNV_OFFSET;

	out->first_allow = out->first_deny = NULL;
	if (!set || !set->finished)
		return;
	for (size_t i = 0; i < set->nalways; i++)
		consider(set, set->always[i], pr, out);
	consider_bucket(set,
			map_find(&set->by_action, fnv(pr->action, pr->action_len), pr->action,
				 pr->action_len),
			pr, out);
	limit = pr->resource_len < set->max_prefix ? pr->resource_len : set->max_prefix;
	for (size_t len = 1; len <= limit; len++) {
		h = fnv_step(h, (unsigned char)res[len - 1]);
		if (set->prefix_len_used[len])
			consider_bucket(set, map_find(&set->by_prefix, h, res, len), pr, out);
	}
}
