/* The compiled form of IAM policy documents, shared by parser and evaluator. */
#ifndef STS_POLICY_INTERNAL_H
#define STS_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"
#include "policy/template.h"
#include "policy/values.h"

typedef enum {
	FAM_STRING,
	FAM_NUMERIC,
	FAM_DATE,
	FAM_BOOL,
	FAM_BINARY,
	FAM_IP,
	FAM_ARN,
	FAM_NULL,
} sts_op_family;

typedef enum {
	CMP_EQ,	       /* Equals, Bool, BinaryEquals, IpAddress, Null */
	CMP_EQ_NOCASE, /* StringEqualsIgnoreCase */
	CMP_LIKE,      /* StringLike, ArnLike/ArnEquals */
	CMP_LT,
	CMP_LE,
	CMP_GT,
	CMP_GE,
} sts_cmp;

typedef enum {
	QUAL_NONE,
	QUAL_ANY,
	QUAL_ALL
} sts_qualifier;

/* The six fields of an ARN (or of an ARN pattern), pointing into its text. */
typedef struct {
	const char *f[6];
	size_t l[6];
	bool literal[6]; /* for patterns: the field holds no wildcard or escape */
} sts_arn_view;

typedef struct {
	sts_template text; /* String, Arn, Bool (may hold variables) */
	double number;
	sts_time date;
	sts_cidr cidr;
	unsigned char *bytes;
	size_t nbytes;
	bool flag;	 /* Null */
	bool unreadable; /* accepted by IAM, but never matches */
	bool is_arn;	 /* Arn* without variables: |view| holds the split pattern */
	sts_arn_view view;
} sts_cond_value;

typedef struct {
	sts_op_family family;
	sts_cmp cmp;
	bool negated;
	bool if_exists;
	sts_qualifier qualifier;
	char *key; /* lower-cased */
	size_t key_len;
	sts_cond_value *values;
	size_t nvalues;
} sts_condition;

typedef enum {
	PRINCIPAL_NONE,
	PRINCIPAL_ANY,
	PRINCIPAL_LIST
} sts_principal_kind;

typedef struct {
	sts_principal_kind kind;
	char **values; /* "AWS:arn", "Service:name", ... as given */
	size_t nvalues;
} sts_principal_spec;

typedef struct {
	char *glob; /* lower-cased wildcard pattern */
	size_t len;
	bool is_star;
	bool literal; /* no wildcard: compared byte for byte */
} sts_action_pattern;

typedef struct {
	bool is_star;
	sts_template text; /* variables only in the resource part (after the 5th colon) */
	size_t glen;	   /* without variables: length of text.glob */
	bool is_arn;	   /* without variables: text.glob has six fields, in |view| */
	sts_arn_view view;
} sts_resource_pattern;

typedef struct {
	char *sid;
	int index;
	bool allow;
	bool not_action;
	sts_action_pattern *actions;
	size_t nactions;
	bool has_resource;
	bool not_resource;
	sts_resource_pattern *resources;
	size_t nresources;
	bool not_principal;
	sts_principal_spec principal;
	sts_condition *conditions;
	size_t nconditions;
} sts_statement;

struct sts_policy {
	char *name;
	bool variables; /* Version 2012-10-17 */
	sts_statement *statements;
	size_t nstatements;
};

/* Parsing pieces (policy_parse.c calls the others). */
typedef struct json_object json_object;
typedef struct {
	const char *name; /* document name for messages */
	sts_doc_kind kind;
	bool variables;
	sts_error *err;
} sts_parse_ctx;

int sts_parse_condition_block(sts_parse_ctx *pc, const char *path, json_object *block,
			      sts_statement *st);
void sts_condition_free(sts_condition *c);
int sts_parse_principal(sts_parse_ctx *pc, const char *path, json_object *value,
			sts_principal_spec *out);
void sts_principal_free(sts_principal_spec *p);
int sts_parse_resource_pattern(sts_parse_ctx *pc, const char *path, const char *text,
			       sts_resource_pattern *out);
void sts_resource_pattern_free(sts_resource_pattern *r);

/* A request prepared once per evaluation: lower-cased action, split resource. */
typedef struct {
	const sts_request *req;
	const char *action; /* lower-cased */
	size_t action_len;
	const char *resource;
	size_t resource_len;
	bool resource_is_arn;
	sts_arn_view arn;
} sts_prepared;

/* Matching pieces. */
bool sts_conditions_match(const sts_statement *st, const sts_context *ctx);
bool sts_principal_match(const sts_principal_spec *spec, const char *principal);
bool sts_resource_match(const sts_resource_pattern *pat, const sts_prepared *pr);
bool sts_action_match(const sts_action_pattern *pat, const char *action_lower, size_t len);
/* A statement applies to the request (action, resource, principal, conditions). */
bool sts_statement_applies(const sts_statement *st, const sts_prepared *pr);
/* Fills |pr| from |req|; |action_buf| receives the lower-cased action.
 * Returns false when the action does not fit (it then matches nothing). */
bool sts_prepare_request(const sts_request *req, char *action_buf, size_t cap, sts_prepared *pr);

/* ARN fields: splits |arn| at its first five colons. */
bool sts_arn_split(const char *arn, size_t len, const char *fields[6], size_t lens[6]);
/* Field-by-field wildcard match of a compiled ARN pattern against an ARN. */
bool sts_arn_glob_match(const char *glob, size_t glen, const char *arn, size_t alen);
/* Splits a compiled pattern into |view|, marking the wildcard-free fields. */
bool sts_arn_view_pattern(const char *glob, size_t glen, sts_arn_view *view);
bool sts_arn_view_match(const sts_arn_view *pattern, const sts_arn_view *arn);

#endif
