/* The on-disk fixture of the decision tests (see authz_fixture.c). */
#ifndef STS_AUTHZ_FIXTURE_H
#define STS_AUTHZ_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "decide/authorize.h"
#include "decide/identity.h"
#include "testutil.h"

#define AF_ACCOUNT "123456789012"
#define AF_NOW	   1700000000LL /* 2023-11-14T22:13:20Z */

typedef struct {
	char root[128];
	sts_settings s; /* policy_dir, role_dir, session_policy_dir under root */
} af_fixture;

/* Writes ROOT/|rel| (parents created 0755) with |mode|; fails the test on error. */
void af_put(const af_fixture *f, const char *rel, const char *text, mode_t mode);
/* roles/NAME.json in get-role shape: |path| NULL for "/" (then no Arn field),
 * |max| 0 for no MaxSessionDuration field. */
void af_role(const af_fixture *f, const char *name, const char *path, const char *trust,
	     unsigned long max);
/* The absolute path of ROOT/|rel| into |buf|. */
void af_path(const af_fixture *f, const char *rel, char *buf, size_t cap);
/* Settings for the account, pointing at |policy|, |roles|, |session| (absolute). */
void af_settings(sts_settings *s, const char *policy, const char *roles, const char *session);

/* A fresh tree: groups, users, roles and session policies described in
 * authz_fixture.c; the group source maps test users to groups. */
int af_setup(void **state);
int af_teardown(void **state);

/* The groups the test group source gives (NULL-terminated lists by user). */
int af_group_source(const char *user, gid_t gid, char ***names, size_t *n, sts_error *err);

/* A caller at AF_NOW from 203.0.113.5; MFA |mfa_age| seconds ago, or none when < 0. */
sts_caller af_caller(const char *user, int64_t mfa_age);

/* Fails the test unless |needle| occurs in |haystack|. */
void af_contains(const char *haystack, const char *needle);

/* sts_authorize, failing the test on a fault. */
sts_decision af_decide(const af_fixture *f, const sts_caller *c, const sts_authz_request *r,
		       sts_authz_result *out);
/* sts_authorize that must fault; returns the message (static buffer). */
const char *af_fault(const af_fixture *f, const sts_caller *c, const sts_authz_request *r);

#endif
