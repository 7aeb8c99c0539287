/* Shared by the identity loaders (identity*.c); not for other layers. */
#ifndef STS_IDENTITY_INTERNAL_H
#define STS_IDENTITY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "identity.h"

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

/* Every NAME.json in PARENT/|name| as "SCOPE_PREFIX/NAME.json"; a missing
 * directory adds nothing. */
int sts_load_policy_dir(sts_doc_bundle *b, int parentfd, const char *parent_path, const char *name,
			const char *scope_prefix, sts_doc_kind kind, sts_error *err);

#endif
