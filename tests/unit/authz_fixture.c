/*
 * A policy tree for the decision tests, under a mkdtemp directory (files
 * 0644, directories 0755, owned by the test's euid):
 *
 *   groups: deployers  assume-updateapp.json (Sid AssumeUpdateAPP: role/UpdateAPP),
 *                      assume-more.json (role/Fresh, role/Other, role/ops/PathRole),
 *                      s3.json
 *           managers   federate-managers.json (Sid FederateManagers: Manager*)
 *           denied     deny-assume.json (Sid NoUpdateAPP: Deny role/UpdateAPP)
 *           testers    assume-tests.json (role/Ctx, role/NoMfa)
 *   users:  alice      own.json
 *   roles:  UpdateAPP  trust: account root with MFA (Bool); Max 7200; one permission policy
 *           Fresh      trust: bare account id, MultiFactorAuthAge < 300; Max default
 *           Other      trust: user/erin only
 *           PathRole   Path /ops/; trust: account root
 *           Long       Max 43200; trust: account root (nobody's identity allows it)
 *           Ctx        trust: PrincipalType, PrincipalAccount, userid, SourceIp,
 *                      RoleSessionName == ${aws:username}
 *           NoMfa      trust: only when aws:MultiFactorAuthPresent is absent (Null)
 *   session-policies: readonly-s3.json
 *
 * Users and their groups (af_group_source): alice: deployers; bob: managers;
 * carol: deployers, denied; tess: testers; anyone else: none.
 */
#include "authz_fixture.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define V	  "\"Version\":\"2012-10-17\""
#define ACCT_ROOT "arn:aws:iam::" AF_ACCOUNT ":root"
#define ROLE(n)	  "arn:aws:iam::" AF_ACCOUNT ":role/" n

static const char *const tree[][2] = {
	{ "policies/groups/deployers/assume-updateapp.json",
	  "{" V ",\"Statement\":[{\"Sid\":\"AssumeUpdateAPP\",\"Effect\":\"Allow\","
	  "\"Action\":\"sts:AssumeRole\",\"Resource\":\"" ROLE("UpdateAPP") "\"}]}" },
	{ "policies/groups/deployers/assume-more.json",
	  "{\n  " V ",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"sts:AssumeRole\",\n"
	  "    \"Resource\": [\"" ROLE("Fresh") "\", \"" ROLE("Other") "\", \"" ROLE(
		  "ops/PathRole") "\"]}\n}\n" },
	{ "policies/groups/deployers/s3.json",
	  "{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
	  "\"Resource\":\"arn:aws:s3:::artifacts/*\"}}" },
	{ "policies/groups/managers/federate-managers.json",
	  "{" V ",\"Statement\":[{\"Sid\":\"FederateManagers\",\"Effect\":\"Allow\","
	  "\"Action\":\"sts:GetFederationToken\","
	  "\"Resource\":[\"arn:aws:sts::" AF_ACCOUNT ":federated-user/Manager*\"]}]}" },
	{ "policies/groups/denied/deny-assume.json",
	  "{" V ",\"Statement\":[{\"Sid\":\"NoUpdateAPP\",\"Effect\":\"Deny\","
	  "\"Action\":\"sts:AssumeRole\",\"Resource\":\"" ROLE("UpdateAPP") "\"}]}" },
	{ "policies/groups/testers/assume-tests.json",
	  "{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
	  "\"Resource\":[\"" ROLE("Ctx") "\",\"" ROLE("NoMfa") "\"]}}" },
	{ "policies/users/alice/own.json",
	  "{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\","
	  "\"Resource\":\"arn:aws:s3:::alice\"}}" },
	{ "roles/UpdateAPP.d/update-app.json",
	  "{\"RoleName\":\"UpdateAPP\",\"PolicyName\":\"update-app\",\"PolicyDocument\":{" V
	  ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"s3:PutObject\","
	  "\"lambda:UpdateFunctionCode\"],\"Resource\":\"*\"}}}" },
	{ "session-policies/readonly-s3.json",
	  "{" V ",\"Statement\":{\"Sid\":\"ReadOnly\",\"Effect\":\"Allow\","
	  "\"Action\":\"s3:Get*\",\"Resource\":\"*\"}}" },
};

static const char *const trust_root_mfa =
	"{" V ",\"Statement\":[{\"Sid\":\"AccountUsersWithMFA\",\"Effect\":\"Allow\","
	"\"Principal\":{\"AWS\":\"" ACCT_ROOT "\"},\"Action\":\"sts:AssumeRole\","
	"\"Condition\":{\"Bool\":{\"aws:MultiFactorAuthPresent\":\"true\"}}}]}";
static const char *const trust_fresh =
	"{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" AF_ACCOUNT "\"},"
	"\"Action\":\"sts:AssumeRole\","
	"\"Condition\":{\"NumericLessThan\":{\"aws:MultiFactorAuthAge\":\"300\"}}}}";
static const char *const trust_erin =
	"{" V
	",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" AF_ACCOUNT
	":user/erin\"},\"Action\":\"sts:AssumeRole\"}}";
static const char *const trust_root =
	"{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ACCT_ROOT "\"},"
	"\"Action\":\"sts:AssumeRole\"}}";
static const char *const trust_no_mfa =
	"{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ACCT_ROOT "\"},"
	"\"Action\":\"sts:AssumeRole\","
	"\"Condition\":{\"Null\":{\"aws:MultiFactorAuthPresent\":\"true\"}}}}";

void af_path(const af_fixture *f, const char *rel, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/%s", f->root, rel);
	assert_true(n > 0 && (size_t)n < cap);
}

static void mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
}

void af_put(const af_fixture *f, const char *rel, const char *text, mode_t mode)
{
	char path[512];
	FILE *fp;

	af_path(f, rel, path, sizeof(path));
	mkdirs(path);
	unlink(path);
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

void af_role(const af_fixture *f, const char *name, const char *path, const char *trust,
	     unsigned long max)
{
	char rel[256], text[8192], maxf[64] = "", pathf[300] = "";

	if (max)
		snprintf(maxf, sizeof(maxf), ",\"MaxSessionDuration\":%lu", max);
	if (path)
		snprintf(pathf, sizeof(pathf),
			 "\"Path\":\"%s\",\"Arn\":\"arn:aws:iam::" AF_ACCOUNT ":role%s%s\",", path,
			 path, name);
	snprintf(rel, sizeof(rel), "roles/%s.json", name);
	snprintf(text, sizeof(text),
		 "{\"Role\":{%s\"RoleName\":\"%s\",\"RoleId\":\"AROAEXAMPLE\","
		 "\"AssumeRolePolicyDocument\":%s%s}}",
		 pathf, name, trust, maxf);
	af_put(f, rel, text, 0644);
}

void af_settings(sts_settings *s, const char *policy, const char *roles, const char *session)
{
	memset(s, 0, sizeof(*s));
	s->account_id = strdup(AF_ACCOUNT);
	s->partition = strdup("aws");
	s->policy_dir = strdup(policy);
	s->role_dir = strdup(roles);
	s->session_policy_dir = strdup(session);
	assert_true(s->account_id && s->partition && s->policy_dir && s->role_dir &&
		    s->session_policy_dir);
}

static void write_tree(af_fixture *f)
{
	char ctx[2048];

	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
		af_put(f, tree[i][0], tree[i][1], 0644);
	af_role(f, "UpdateAPP", NULL, trust_root_mfa, 7200);
	af_role(f, "Fresh", NULL, trust_fresh, 0);
	af_role(f, "Other", NULL, trust_erin, 0);
	af_role(f, "PathRole", "/ops/", trust_root, 0);
	af_role(f, "Long", NULL, trust_root, 43200);
	af_role(f, "NoMfa", NULL, trust_no_mfa, 0);
	snprintf(
		ctx, sizeof(ctx),
		"{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ACCT_ROOT
		"\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{"
		"\"StringEquals\":{\"aws:PrincipalType\":\"User\",\"aws:PrincipalAccount\":\"" AF_ACCOUNT
		"\",\"aws:userid\":\"%lu\",\"sts:RoleSessionName\":\"${aws:username}\","
		"\"aws:PrincipalArn\":\"arn:aws:iam::" AF_ACCOUNT ":user/${aws:username}\"},"
		"\"IpAddress\":{\"aws:SourceIp\":\"203.0.113.0/24\"},"
		"\"DateGreaterThan\":{\"aws:CurrentTime\":\"2023-01-01T00:00:00Z\"},"
		"\"NumericGreaterThan\":{\"aws:EpochTime\":\"1600000000\"}}}}",
		(unsigned long)getuid());
	af_role(f, "Ctx", NULL, ctx, 0);
}

int af_setup(void **state)
{
	af_fixture *f = calloc(1, sizeof(*f));
	char p[3][256];

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/pam_sts_authz.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(chmod(f->root, 0755), 0);
	write_tree(f);
	af_path(f, "policies", p[0], sizeof(p[0]));
	af_path(f, "roles", p[1], sizeof(p[1]));
	af_path(f, "session-policies", p[2], sizeof(p[2]));
	af_settings(&f->s, p[0], p[1], p[2]);
	sts_identity_set_group_source(af_group_source);
	*state = f;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int af_teardown(void **state)
{
	af_fixture *f = *state;

	sts_identity_set_group_source(NULL);
	chmod(f->root, 0755);
	nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	sts_settings_free(&f->s);
	free(f);
	return 0;
}

int af_group_source(const char *user, gid_t gid, char ***names, size_t *n, sts_error *err)
{
	static const char *const map[][3] = {
		{ "alice", "deployers", NULL },
		{ "bob", "managers", NULL },
		{ "carol", "deployers", "denied" },
		{ "tess", "testers", NULL },
	};

	(void)gid;
	(void)err;
	*names = calloc(3, sizeof(**names));
	*n = 0;
	assert_non_null(*names);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(map[i][0], user) != 0)
			continue;
		for (size_t g = 1; g < 3 && map[i][g]; g++)
			(*names)[(*n)++] = strdup(map[i][g]);
	}
	return 0;
}

sts_caller af_caller(const char *user, int64_t mfa_age)
{
	sts_caller c = { .user = user,
			 .uid = getuid(),
			 .gid = getgid(),
			 .source_ip = "203.0.113.5",
			 .mfa_present = mfa_age >= 0,
			 .mfa_time = mfa_age >= 0 ? AF_NOW - mfa_age : 0,
			 .now = AF_NOW };
	return c;
}

sts_decision af_decide(const af_fixture *f, const sts_caller *c, const sts_authz_request *r,
		       sts_authz_result *out)
{
	sts_error err;

	if (sts_authorize(&f->s, c, r, out, &err) < 0)
		fail_msg("sts_authorize faulted: %s", err.msg);
	return out->decision;
}

const char *af_fault(const af_fixture *f, const sts_caller *c, const sts_authz_request *r)
{
	static sts_error err;
	sts_authz_result res;

	if (sts_authorize(&f->s, c, r, &res, &err) == 0) {
		fail_msg("expected a fault, got %s (%s)", sts_decision_word(res.decision),
			 res.reason);
	}
	/* A fault leaves nothing allowed and nothing allocated. */
	assert_int_equal(res.decision, STS_IMPLICIT_DENY);
	assert_null(res.principal_arn);
	assert_null(res.identity);
	return err.msg;
}

void af_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}
