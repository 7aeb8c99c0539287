/* Shared by the identity loaders (identity*.c); not for other layers. */
#ifndef STS_IDENTITY_INTERNAL_H
#define STS_IDENTITY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "decide/identity.h"

struct json_object;

/* Policy and role files are small; pretty-printed get-role output fits. */
#define STS_IDENTITY_FILE_MAX (256u * 1024u)
#define STS_IDENTITY_PATH_MAX 4096

/* Not empty, no '/', not "." or "..". */
bool sts_safe_component(const char *name);

/* "DIR/NAMESUFFIX" into |buf|, or -1 when it does not fit. */
int sts_path_join(char *buf, size_t cap, const char *dir, const char *name, const char *suffix,
		  sts_error *err);

/* sts_read_at with the identity checks (no link, root or euid, not g/o
 * writable); messages name |path|. Returns 0, STS_IDENTITY_ENOENT or -1. */
int sts_read_checked(int dirfd, const char *name, const char *path, char **text, size_t *len,
		     sts_error *err);

/* Parses a policy named |scope|; an error names |where| instead. */
int sts_parse_named(const char *text, size_t len, const char *scope, const char *where,
		    sts_doc_kind kind, sts_policy **out, sts_error *err);

int sts_doc_bundle_init(sts_doc_bundle *b, sts_error *err);
int sts_doc_bundle_finish(sts_doc_bundle *b, sts_error *err);
/* Compiles |text| as |scope| and keeps |doc|'s canonical text with it. */
int sts_doc_bundle_add(sts_doc_bundle *b, const char *scope, const char *where, const char *text,
		       size_t len, struct json_object *doc, sts_doc_kind kind, sts_error *err);

/* Every NAME.json in PARENT/|name| as "SCOPE_PREFIX/NAME.json", in any of
 * the shapes below; |owner_key| ("GroupName", "UserName", "RoleName") must
 * hold |name| in an inline policy. A missing directory adds nothing. */
int sts_load_policy_dir(sts_doc_bundle *b, int parentfd, const char *parent_path, const char *name,
			const char *scope_prefix, sts_doc_kind kind, const char *owner_key,
			sts_error *err);

/* Which AWS CLI shapes a policy file may have (lib/decide/identity_shapes.c). */
typedef struct {
	const char *owner_key;	/* inline: "RoleName", "GroupName" or "UserName"; NULL: any */
	const char *owner;	/* the name owner_key must hold; NULL: any */
	sts_doc_kind bare_kind; /* rules for a bare document or a managed policy version */
	bool wrapped;		/* false: a bare document only (session policies) */
} sts_policy_shapes;

/* A policy document field: an object, or its URL-encoded JSON text. */
int sts_document_field(struct json_object *v, const char *where, struct json_object **doc,
		       sts_error *err);

/*
 * The document |root| holds: NULL in *doc when |root| is a bare document,
 * else the unwrapped document (a reference), with *kind the rules it is
 * parsed by and |doc_where| its place ("FILE: PolicyVersion.Document").
 * Returns 0 or -1 with |err| naming the file and the field.
 */
int sts_policy_shape_unwrap(struct json_object *root, const char *where,
			    const sts_policy_shapes *shapes, struct json_object **doc,
			    sts_doc_kind *kind, char *doc_where, size_t cap, sts_error *err);

/* Adds the document of a policy file (|text| parsed into |root|) as |scope|. */
int sts_policy_file_add(sts_doc_bundle *b, struct json_object *root, const char *text, size_t len,
			const char *where, const char *scope, const sts_policy_shapes *shapes,
			sts_error *err);

/* A role file (`aws iam get-role` output) parsed into |out|. With
 * s->account_id NULL (stsctl validate, out of context) any RoleName and Arn
 * of the right shape is accepted and out->arn is the file's; else RoleName
 * must be |name| and Arn this account's. */
int sts_role_parse(struct json_object *root, const char *where, const sts_settings *s,
		   const char *name, sts_role *out, sts_error *err);

#endif
