/*
 * libFuzzer target: policy parsing + evaluation. The first byte picks the
 * document kind; the rest is the document. Documents that parse are
 * evaluated against fixed requests whose context exercises every operator
 * family, so the matcher, templates and typed parsers all see fuzzed input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sts_context *make_context(void)
{
	sts_context *ctx = sts_context_new();

	sts_context_add(ctx, "aws:username", "alice");
	sts_context_add(ctx, "aws:SourceIp", "10.1.2.3");
	sts_context_add(ctx, "aws:MultiFactorAuthPresent", "true");
	sts_context_add(ctx, "aws:MultiFactorAuthAge", "120");
	sts_context_add(ctx, "aws:CurrentTime", "2026-11-24T10:00:00Z");
	sts_context_add(ctx, "aws:EpochTime", "1795000000");
	sts_context_add(ctx, "aws:PrincipalArn", "arn:aws:iam::123456789012:user/alice");
	sts_context_add_multi(ctx, "aws:TagKeys", "team");
	sts_context_add_multi(ctx, "aws:TagKeys", "env");
	sts_context_add_multi(ctx, "aws:EmptyList", NULL);
	sts_context_add(ctx, "s3:x-amz-content-sha256", "aGVsbG8=");
	return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const requests[][2] = {
		{ "sts:AssumeRole", "arn:aws:iam::123456789012:role/UpdateAPP" },
		{ "sts:GetFederationToken",
		  "arn:aws:sts::123456789012:federated-user/Manager-Bob" },
		{ "s3:GetObject", "arn:aws:s3:::bucket/alice/key" },
	};
	sts_doc_kind kinds[] = { STS_DOC_IDENTITY, STS_DOC_INLINE, STS_DOC_SESSION, STS_DOC_TRUST };
	sts_policy *policy = NULL;
	sts_policy_set *set;
	sts_context *ctx;
	sts_error err;

	if (size < 1)
		return 0;
	if (sts_policy_parse((const char *)data + 1, size - 1, "fuzz", kinds[data[0] % 4], &policy,
			     &err) < 0)
		return 0;
	set = sts_policy_set_new();
	ctx = make_context();
	if (set && ctx && sts_policy_set_add(set, policy) == 0 && sts_policy_set_finish(set) == 0) {
		for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
			sts_request req = { .principal = "arn:aws:iam::123456789012:user/alice",
					    .action = requests[i][0],
					    .resource = requests[i][1],
					    .context = ctx };
			sts_policy_inputs in = { .identity = set, .session = set, .boundary = set };
			sts_verdict v;
			char why[256];
			if (data[0] % 4 == 3)
				sts_evaluate_trust(set, &req, &v);
			else
				sts_evaluate(&in, &req, &v);
			sts_verdict_describe(&v, why, sizeof(why));
		}
	} else if (set) {
		policy = NULL; /* owned by the set only when added */
	}
	sts_context_free(ctx);
	sts_policy_set_free(set);
	return 0;
}
