/* Evaluation of one policy set (policies that combine by OR), through its index. */
#ifndef STS_POLICY_SET_H
#define STS_POLICY_SET_H

#include "policy/policy_internal.h"

typedef struct {
	const sts_policy *policy;
	const sts_statement *statement;
	size_t ordinal; /* position in the set: policies in order, statements in order */
} sts_stmt_ref;

typedef struct {
	const sts_stmt_ref *first_allow; /* lowest ordinal that allows, or NULL */
	const sts_stmt_ref *first_deny;
} sts_set_result;

void sts_policy_set_eval(const sts_policy_set *set, const sts_prepared *pr, sts_set_result *out);

#endif
