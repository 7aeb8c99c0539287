/*
 * pam_sts policy engine: public interface.
 *
 * IAM policy documents are parsed once into a compiled form (sts_policy),
 * grouped into indexed sets (sts_policy_set), and requests are evaluated
 * against identity, session and boundary sets with AWS's documented logic:
 * explicit deny > allow > implicit deny, intersected with session policies
 * and permissions boundaries.
 */
#ifndef STS_POLICY_H
#define STS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* What a document is used as: decides which validation rules apply. */
typedef enum {
	STS_DOC_IDENTITY, /* CreatePolicy rules: Version 2012-10-17, Resource, no Principal */
	STS_DOC_INLINE,	  /* identity/session/boundary as evaluated: either Version, no Principal */
	STS_DOC_SESSION,  /* session policy: inline rules, 2,048 character limit */
	STS_DOC_TRUST,	  /* role trust policy: Principal required, Resource optional */
} sts_doc_kind;

typedef struct sts_policy sts_policy;
typedef struct sts_policy_set sts_policy_set;
typedef struct sts_context sts_context;

/*
 * Parses and validates one policy document. |name| is used in error messages
 * and in decision reports (typically the file name). On failure returns -1
 * and fills |err| with "name: JSON.path: what is wrong".
 */
int sts_policy_parse(const char *text, size_t len, const char *name, sts_doc_kind kind,
		     sts_policy **out, sts_error *err);
void sts_policy_free(sts_policy *policy);
const char *sts_policy_name(const sts_policy *policy);
size_t sts_policy_statement_count(const sts_policy *policy);

/*
 * A set of policies that combine by OR (all identity policies attached to a
 * principal, or all the pieces of one session policy). The set takes
 * ownership of the policies added to it and builds its index on
 * sts_policy_set_finish().
 */
sts_policy_set *sts_policy_set_new(void);
int sts_policy_set_add(sts_policy_set *set, sts_policy *policy);
int sts_policy_set_finish(sts_policy_set *set);
void sts_policy_set_free(sts_policy_set *set);
size_t sts_policy_set_size(const sts_policy_set *set);

/* The request context: condition keys (case-insensitive) with their values. */
sts_context *sts_context_new(void);
void sts_context_free(sts_context *ctx);
/* Adds a single-valued key; adding the same key again makes it multi-valued. */
int sts_context_add(sts_context *ctx, const char *key, const char *value);
/* Adds a value to a key that is multi-valued even with one value;
 * value == NULL declares a present but empty multi-valued key. */
int sts_context_add_multi(sts_context *ctx, const char *key, const char *value);
bool sts_context_has(const sts_context *ctx, const char *key);

typedef struct {
	const char *principal; /* ARN of the caller, may be NULL */
	const char *action;    /* service:Action */
	const char *resource;  /* matched literally: a '*' here is not a wildcard */
	const sts_context *context;
} sts_request;

typedef enum {
	STS_ALLOWED = 0,
	STS_EXPLICIT_DENY = 1,
	STS_IMPLICIT_DENY = 2,
} sts_decision;

/* Which statement decided, or which policy type denied implicitly. */
typedef struct {
	sts_decision decision;
	const char *policy_type; /* "identity", "session", "boundary", "resource" */
	const char *policy_name; /* NULL for an implicit deny with no statement */
	const char *sid;	 /* NULL or "" when the statement has no Sid */
	int statement_index;	 /* -1 when no statement decided */
} sts_verdict;

typedef struct {
	const sts_policy_set *identity; /* required (may be empty) */
	const sts_policy_set *session;	/* NULL: no session policy */
	const sts_policy_set *boundary; /* NULL: no permissions boundary */
	const sts_policy_set *resource; /* NULL: no resource policy (e.g. a trust policy) */
} sts_policy_inputs;

sts_decision sts_evaluate(const sts_policy_inputs *inputs, const sts_request *req,
			  sts_verdict *out);

/* A trust (resource) policy on its own: must Allow the principal, no Deny. */
sts_decision sts_evaluate_trust(const sts_policy_set *trust, const sts_request *req,
				sts_verdict *out);

const char *sts_decision_word(sts_decision decision);
/* Writes "policy Sid|Statement[i] (Effect)" or the implicit-deny reason. */
void sts_verdict_describe(const sts_verdict *verdict, char *buf, size_t len);

/* Fills the principal-derived keys (aws:username, aws:PrincipalArn,
 * aws:PrincipalAccount, aws:userid where derivable) unless already set. */
int sts_context_add_principal_keys(sts_context *ctx, const char *principal_arn);
/* Fills aws:CurrentTime and aws:EpochTime from |now| unless already set. */
int sts_context_add_time_keys(sts_context *ctx, int64_t now);

#endif
