/*
 * Who the user is and what they hold, from disk.
 *
 * A Linux user is an IAM user; its Linux groups (getgrouplist(3), so
 * `usermod -aG` grants) are its IAM groups. Everything is read from three
 * directories named in pam_sts.conf (lib/base/settings.h):
 *
 *   policy_dir/groups/GROUP/NAME.json   identity policies attached to a Linux
 *                                       group (several per group; real IAM
 *                                       policy documents, CreatePolicy rules)
 *   policy_dir/users/USER/NAME.json     identity policies attached to one user
 *       Each a bare document, `aws iam get-policy-version` output (managed;
 *       the default version) or get-group-policy / get-user-policy output
 *       (inline; GroupName / UserName must be GROUP / USER): see
 *       lib/decide/identity_shapes.c.
 *   role_dir/ROLE.json                  a role: what `aws iam get-role
 *                                       --role-name ROLE` prints:
 *       {"Role": {"RoleName": ROLE, "AssumeRolePolicyDocument": {...} (or the
 *        URL-encoded JSON string some tools print), "MaxSessionDuration":
 *        3600..43200 (default 3600), "Path", "Arn", "RoleId", "CreateDate",
 *        "Description", "Tags", "RoleLastUsed"}}
 *       Any other field is an error naming the file and the field; so is
 *       "PermissionsBoundary" (the boundary's document is not part of the
 *       get-role output, and ignoring it would grant more than AWS does).
 *       "Arn", when present, must be arn:PARTITION:iam::ACCOUNT:role PATH ROLE
 *       for this host's account.
 *   role_dir/ROLE.d/NAME.json           the role's permission policies, each
 *                                       what `aws iam get-role-policy` prints:
 *       {"RoleName": ROLE, "PolicyName": ..., "PolicyDocument": {...} or the
 *        URL-encoded string}; RoleName must be the role's. A managed policy
 *        as `aws iam get-policy-version` prints it, or a bare document.
 *   session_policy_dir/NAME.json        a session policy (2,048-character
 *                                       limit), a bare document only
 *
 * Safety: every directory is opened with O_DIRECTORY|O_NOFOLLOW (its parent
 * relative to the configured path, then openat), and every directory and
 * file is checked on its descriptor: not a symbolic link, owned by root (or
 * by the effective user, for unprivileged tests), not writable by group or
 * others. A group or user directory that does not exist means "no policies";
 * one that exists but fails a check, or a file that fails a check or does
 * not parse, is an error naming the file (and the JSON place). Only entries
 * whose names end in ".json" are read (any such entry that is not a regular
 * file is an error); names are sorted so results are deterministic.
 *
 * Each document keeps its canonical JSON text (json-c, plain, '/' not
 * escaped) and a scope name: "group/deployers/assume.json",
 * "user/alice/x.json", "role/UpdateAPP/s3.json", "session/readonly.json";
 * the role's trust policy is named "role/UpdateAPP/trust-policy". The scope
 * name is also the policy's name in decision reports; error messages name
 * the full path of the file instead.
 *
 * Names: user and role names must be IAM names ([\w+=,.@-]{1,64}, and not
 * "." or ".."; a role name must also not begin with '.'); group names are
 * what the system gives but must be usable as one path component (no '/',
 * not "." or "..").
 */
#ifndef STS_IDENTITY_H
#define STS_IDENTITY_H

#include <stdbool.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/settings.h"
#include "policy/policy.h"

/* Returned when a role or session policy file does not exist. */
#define STS_IDENTITY_ENOENT (-2)

/* One loaded document: where it came from and its canonical text. */
typedef struct {
	char *scope; /* "group/deployers/assume.json" */
	char *text;  /* canonical JSON */
} sts_identity_doc;

/* Documents that combine by OR, compiled and as text, in the same order. */
typedef struct {
	sts_policy_set *set; /* finished; never NULL after a successful load */
	sts_identity_doc *docs;
	size_t n;
} sts_doc_bundle;

void sts_doc_bundle_free(sts_doc_bundle *b);

/* getpwnam_r of |user| into |pw| and |buf|: 0, or -1 when there is no such
 * user or the lookup failed. NSS lookups here are made one at a time. */
int sts_user_lookup(const char *user, struct passwd *pw, char *buf, size_t len);

/* The groups of |user| (primary group |gid|), names sorted and unique. */
int sts_identity_groups(const char *user, gid_t gid, char ***names, size_t *n, sts_error *err);

/*
 * Test seam: replaces getgrouplist/getgrgid_r as the source of a user's
 * group names (NULL restores the system). Only code can set it; nothing in
 * the environment or the configuration can. The source fills a malloc'd
 * array of malloc'd names and returns 0, or returns -1 with |err| set.
 */
typedef int (*sts_group_source)(const char *user, gid_t gid, char ***names, size_t *n,
				sts_error *err);
void sts_identity_set_group_source(sts_group_source source);

/* Every identity policy of |user|: users/USER first, then each group's, in
 * sorted order (STS_DOC_IDENTITY). */
int sts_identity_load_user(const sts_settings *s, const char *user, gid_t gid, sts_doc_bundle *out,
			   sts_error *err);

/* session_policy_dir/NAME.json (STS_DOC_SESSION). Returns 0,
 * STS_IDENTITY_ENOENT (|err| says which file), or -1. */
/* An inline session policy (sts-assume --session-policy), parsed with the
 * session rules (2,048 characters), scope name "session/inline". */
int sts_identity_inline_session_policy(const char *text, sts_doc_bundle *out, sts_error *err);
int sts_identity_load_session_policy(const sts_settings *s, const char *name, sts_doc_bundle *out,
				     sts_error *err);

typedef struct {
	char *name;		    /* RoleName */
	char *arn;		    /* arn:PARTITION:iam::ACCOUNT:role/PATH/NAME */
	unsigned long max_session;  /* MaxSessionDuration, seconds */
	sts_policy_set *trust;	    /* AssumeRolePolicyDocument (STS_DOC_TRUST) */
	sts_doc_bundle permissions; /* ROLE.d/NAME.json (STS_DOC_INLINE) */
} sts_role;

/* role_dir/NAME.json and role_dir/NAME.d/. Returns 0, STS_IDENTITY_ENOENT
 * (|err| says which file), or -1. Needs s->account_id. */
int sts_role_load(const sts_settings *s, const char *name, sts_role *out, sts_error *err);
void sts_role_free(sts_role *role);
/* The role a module argument or request names: NAME, or this account's
 * arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME, which must be the role's ARN
 * (lib/decide/authorize.c). Returns 0 or -1 with |err| set ("no such role" when
 * there is none). */
int sts_role_load_target(const sts_settings *s, const char *target, sts_role *out, sts_error *err);

/* The names of every role in role_dir (ROLE.json), sorted. */
int sts_role_list(const sts_settings *s, char ***names, size_t *n, sts_error *err);

/* A role name usable as a file name: an IAM name not beginning with '.'. */
bool sts_valid_role_name(const char *name);

/*
 * Safe directory access, shared by the loaders (and usable by stsctl check).
 * sts_dir_open: |path| as a directory (last component not a link), checked.
 * sts_dir_openat: |name| (one component) under |dirfd|, checked; |path| is
 * its full path for messages. Both return a descriptor, STS_IDENTITY_ENOENT,
 * or -1 with |err| set.
 */
int sts_dir_open(const char *path, sts_error *err);
int sts_dir_openat(int dirfd, const char *name, const char *path, sts_error *err);
/* Sorted names of the entries of |dirfd| ending in |suffix| (never "."/".."). */
int sts_dir_list(int dirfd, const char *path, const char *suffix, char ***names, size_t *n,
		 sts_error *err);
void sts_names_free(char **names, size_t n);

#endif
