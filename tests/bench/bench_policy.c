/*
 * Policy decisions per second on a corpus file:
 *   {"policies": [{"name", "document"}], "requests": [{"principal", "action",
 *    "resource", "context": {KEY: "v" | ["v", ...]}}]}
 * All policies are the identity policies of one principal. Prints
 * "decisions_per_s=N" (one core, ~2 s of decisions after a warm-up) and the
 * allowed/denied split so a broken corpus is visible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "policy/policy.h"
#include "context_json.h"

typedef struct {
	sts_request req;
	sts_context *ctx;
} bench_request;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define ROUNDS 7

static size_t statement_total;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static sts_policy_set *load_policies(json_object *list)
{
	sts_policy_set *set = sts_policy_set_new();

	for (size_t i = 0; set && i < json_object_array_length(list); i++) {
		json_object *item = json_object_array_get_idx(list, i), *name, *doc;
		const char *text;
		sts_policy *policy;
		sts_error err;

		if (!json_object_object_get_ex(item, "name", &name) ||
		    !json_object_object_get_ex(item, "document", &doc))
			return NULL;
		text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
		if (sts_policy_parse(text, strlen(text), json_object_get_string(name),
				     STS_DOC_INLINE, &policy, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			return NULL;
		}
		statement_total += sts_policy_statement_count(policy);
		sts_policy_set_add(set, policy);
	}
	if (set && sts_policy_set_finish(set) < 0)
		return NULL;
	return set;
}

static sts_context *load_context(json_object *obj)
{
	sts_context *ctx = sts_context_new();

	if (ctx && sts_context_add_json(ctx, obj) < 0) {
		sts_context_free(ctx);
		return NULL;
	}
	return ctx;
}

static const char *field(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) ? json_object_get_string(v) : NULL;
}

int main(int argc, char **argv)
{
	json_object *root, *policies, *requests, *ctxobj;
	sts_policy_set *set;
	bench_request *reqs;
	size_t nreq, allowed = 0, total = 0;
	double start, elapsed, rates[ROUNDS];

	if (argc != 2 || !(root = json_object_from_file(argv[1]))) {
		fprintf(stderr, "usage: bench_policy CORPUS.json\n");
		return 2;
	}
	if (!json_object_object_get_ex(root, "policies", &policies) ||
	    !json_object_object_get_ex(root, "requests", &requests) ||
	    !(set = load_policies(policies)))
		return 2;
	nreq = json_object_array_length(requests);
	reqs = calloc(nreq ? nreq : 1, sizeof(*reqs));
	for (size_t i = 0; i < nreq; i++) {
		json_object *r = json_object_array_get_idx(requests, i);
		reqs[i].ctx = load_context(
			json_object_object_get_ex(r, "context", &ctxobj) ? ctxobj : NULL);
		reqs[i].req = (sts_request){ .principal = field(r, "principal"),
					     .action = field(r, "action"),
					     .resource = field(r, "resource"),
					     .context = reqs[i].ctx };
	}
	for (size_t i = 0; i < nreq; i++) {
		sts_policy_inputs in = { .identity = set };
		sts_verdict v;
		allowed += sts_evaluate(&in, &reqs[i].req, &v) == STS_ALLOWED;
	}
	/* Seven rounds of ~0.3 s; the median resists a neighbour's burst of load. */
	for (int round = 0; round < ROUNDS; round++) {
		size_t done = 0;
		start = now_seconds();
		do {
			for (size_t i = 0; i < nreq; i++) {
				sts_policy_inputs in = { .identity = set };
				sts_verdict v;
				sts_evaluate(&in, &reqs[i].req, &v);
			}
			done += nreq;
			elapsed = now_seconds() - start;
		} while (elapsed < 0.3 && nreq > 0);
		rates[round] = elapsed > 0 ? (double)done / elapsed : 0.0;
		total += done;
	}
	qsort(rates, ROUNDS, sizeof(rates[0]), cmp_double);
	printf("statements=%zu requests=%zu allowed=%zu denied=%zu\n", statement_total, nreq,
	       allowed, nreq - allowed);
	printf("decisions_per_s=%.0f\n", rates[ROUNDS / 2]);
	for (size_t i = 0; i < nreq; i++)
		sts_context_free(reqs[i].ctx);
	free(reqs);
	sts_policy_set_free(set);
	json_object_put(root);
	return 0;
}
