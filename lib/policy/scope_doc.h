/*
 * A policy document of a credential's scope, as canonical JSON text: what a
 * decision (decide/authorize.h) hands to the token it seals (token/token.h).
 */
#ifndef STS_POLICY_SCOPE_DOC_H
#define STS_POLICY_SCOPE_DOC_H

typedef struct {
	char *name; /* e.g. "group/deployers/ops.json", "role/UpdateAPP/s3.json" */
	char *text;
} sts_scope_doc;

#endif
