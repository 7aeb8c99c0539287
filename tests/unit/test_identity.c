/*
 * Identity on disk: links, owners and modes refused with the file named,
 * role files in get-role / get-role-policy shape (object or URL-encoded
 * documents, unknown fields, mismatches), managed and inline policies in the
 * shapes the AWS CLI prints them, parse errors that name the file
 * and the JSON place, groups from the system. The fixture is described in
 * authz_fixture.c.
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authz_fixture.h"

#define ACCT AF_ACCOUNT
#define V    "\"Version\":\"2012-10-17\""

static const char *const allow_s3 =
	"{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}";

/* The message of a fault of GetSessionToken for |user| (which loads every policy). */
static const char *session_fault(const af_fixture *f, const char *user)
{
	sts_caller c = af_caller(user, 60);
	sts_authz_request r = { .op = STS_OP_SESSION };
	return af_fault(f, &c, &r);
}

static const char *role_fault(const af_fixture *f, const char *role)
{
	sts_caller c = af_caller("alice", 60);
	sts_authz_request r = { .op = STS_OP_ASSUME_ROLE, .target = role };
	return af_fault(f, &c, &r);
}

static void test_symlinks_refused(void **state)
{
	af_fixture *f = *state;
	char target[512], link_path[512], expect[600];

	af_put(f, "elsewhere/evil.json", allow_s3, 0644);
	af_path(f, "elsewhere/evil.json", target, sizeof(target));
	af_path(f, "policies/groups/deployers/linked.json", link_path, sizeof(link_path));
	assert_int_equal(symlink(target, link_path), 0);
	snprintf(expect, sizeof(expect), "%s: is a symbolic link (refused)", link_path);
	af_contains(session_fault(f, "alice"), expect);
	unlink(link_path);

	/* A group directory that is a link. */
	af_path(f, "elsewhere", target, sizeof(target));
	af_path(f, "policies/groups/managers", link_path, sizeof(link_path));
	char file[600];
	snprintf(file, sizeof(file), "%s/federate-managers.json", link_path);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(link_path), 0);
	assert_int_equal(symlink(target, link_path), 0);
	snprintf(expect, sizeof(expect), "%s: is a symbolic link (refused)", link_path);
	af_contains(session_fault(f, "bob"), expect);
	/* Other users are unaffected: their groups do not include it. */
	sts_caller alice = af_caller("alice", 60);
	sts_authz_request r = { .op = STS_OP_SESSION };
	sts_authz_result res;
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);

	/* A role file that is a link. */
	af_path(f, "roles/UpdateAPP.json", target, sizeof(target));
	af_path(f, "roles/Linked.json", link_path, sizeof(link_path));
	assert_int_equal(symlink(target, link_path), 0);
	af_contains(role_fault(f, "Linked"), "Linked.json: is a symbolic link (refused)");
}

static void test_modes_and_owners_refused(void **state)
{
	af_fixture *f = *state;
	char path[512];

	af_put(f, "policies/groups/deployers/s3.json", allow_s3, 0664);
	af_contains(session_fault(f, "alice"),
		    "groups/deployers/s3.json: writable by group or others");
	af_path(f, "policies/groups/deployers/s3.json", path, sizeof(path));
	assert_int_equal(chmod(path, 0646), 0);
	af_contains(session_fault(f, "alice"), "s3.json: writable by group or others");
	assert_int_equal(chmod(path, 0644), 0);

	af_path(f, "policies/groups/deployers", path, sizeof(path));
	assert_int_equal(chmod(path, 0775), 0);
	af_contains(session_fault(f, "alice"), "groups/deployers: writable by group or others");
	assert_int_equal(chmod(path, 0755), 0);

	af_path(f, "roles", path, sizeof(path));
	assert_int_equal(chmod(path, 0777), 0);
	af_contains(role_fault(f, "UpdateAPP"), "roles: writable by group or others");
	assert_int_equal(chmod(path, 0755), 0);

	af_path(f, "roles/UpdateAPP.d/update-app.json", path, sizeof(path));
	assert_int_equal(chmod(path, 0666), 0);
	af_contains(role_fault(f, "UpdateAPP"), "update-app.json: writable by group or others");
	assert_int_equal(chmod(path, 0644), 0);

	/* Owned by someone else (only root can arrange that here). */
	if (geteuid() == 0) {
		af_path(f, "policies/users/alice/own.json", path, sizeof(path));
		assert_int_equal(chown(path, 4242, 4242), 0);
		af_contains(session_fault(f, "alice"), "own.json: not owned by root");
		assert_int_equal(chown(path, 0, 0), 0);
		af_path(f, "policies/users/alice", path, sizeof(path));
		assert_int_equal(chown(path, 4242, 4242), 0);
		af_contains(session_fault(f, "alice"), "users/alice: not owned by root");
	}
}

static void test_policy_errors_name_file_and_place(void **state)
{
	af_fixture *f = *state;
	char path[512], expect[700];

	af_put(f, "policies/groups/deployers/bad.json",
	       "{" V ",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\","
	       "\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":\"soon\"}}}]}",
	       0644);
	af_path(f, "policies/groups/deployers/bad.json", path, sizeof(path));
	snprintf(expect, sizeof(expect),
		 "%s: Statement[0].Condition.DateGreaterThan.aws:CurrentTime: not a date", path);
	af_contains(session_fault(f, "alice"), expect);

	af_put(f, "policies/groups/deployers/bad.json", "{" V ",\n \"Statement\": [,]}", 0644);
	snprintf(expect, sizeof(expect), "%s: line 2", path);
	af_contains(session_fault(f, "alice"), expect);

	/* A group policy follows CreatePolicy rules: no Principal. */
	af_put(f, "policies/groups/deployers/bad.json",
	       "{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
	       "\"Resource\":\"*\"}}",
	       0644);
	af_contains(session_fault(f, "alice"), "bad.json: Statement.Principal");

	/* Only *.json is read; anything else ending in .json must be a file. */
	af_path(f, "policies/groups/deployers/bad.json", path, sizeof(path));
	unlink(path);
	af_put(f, "policies/groups/deployers/README", "not a policy", 0644);
	af_put(f, "policies/groups/deployers/old.json~", "not a policy", 0644);
	sts_caller alice = af_caller("alice", 60);
	sts_authz_request r = { .op = STS_OP_SESSION };
	sts_authz_result res;
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	assert_int_equal(res.n_identity, 4);
	sts_authz_result_free(&res);
	af_path(f, "policies/groups/deployers/dir.json", path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
	af_contains(session_fault(f, "alice"), "dir.json: not a regular file");
	rmdir(path);

	/* A missing policy_dir is a fault; missing users/ or groups/ are not. */
	af_path(f, "policies/users/alice/own.json", path, sizeof(path));
	unlink(path);
	af_path(f, "policies/users/alice", path, sizeof(path));
	rmdir(path);
	af_path(f, "policies/users", path, sizeof(path));
	rmdir(path);
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	assert_int_equal(res.n_identity, 3);
	sts_authz_result_free(&res);
	free(f->s.policy_dir);
	af_path(f, "no-such-dir", path, sizeof(path));
	f->s.policy_dir = strdup(path);
	af_contains(session_fault(f, "alice"), "no-such-dir: does not exist");
}

static void test_role_file_shapes(void **state)
{
	af_fixture *f = *state;
	const char *trust = "{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
			    "\"arn:aws:iam::" ACCT ":root\"},\"Action\":\"sts:AssumeRole\"}}";
	char text[2048];

	/* The URL-encoded string form of the trust and permission documents. */
	snprintf(
		text, sizeof(text),
		"{\"Role\":{\"RoleName\":\"Encoded\",\"Path\":\"/\",\"CreateDate\":\"2024-01-01\","
		"\"Description\":\"d\",\"Tags\":[],\"RoleLastUsed\":{},\"MaxSessionDuration\":3600,"
		"\"AssumeRolePolicyDocument\":\"%s\"}}",
		"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A"
		"%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A" ACCT
		"%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%7D");
	af_put(f, "roles/Encoded.json", text, 0644);
	af_put(f, "roles/Encoded.d/p.json",
	       "{\"RoleName\":\"Encoded\",\"PolicyName\":\"p\",\"PolicyDocument\":"
	       "\"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow"
	       "%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A"
	       "%3Ab%2F*%22%7D%7D\"}",
	       0644);
	af_put(f, "policies/groups/deployers/any-role.json",
	       "{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
	       "\"Resource\":\"*\"}}",
	       0644);
	sts_caller alice = af_caller("alice", 60);
	sts_authz_request r = { .op = STS_OP_ASSUME_ROLE, .target = "Encoded" };
	sts_authz_result res;
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	assert_int_equal(res.n_identity, 1);
	assert_string_equal(res.identity[0].name, "role/Encoded/p.json");
	af_contains(res.identity[0].text, "\"arn:aws:s3:::b/*\"");
	sts_authz_result_free(&res);

	static const struct {
		const char *role, *fields, *expect;
	} bad[] = {
		{ "Colour", "\"Colour\":\"red\",", "Colour.json: Role.Colour: unknown field" },
		{ "Bounded", "\"PermissionsBoundary\":{},",
		  "Role.PermissionsBoundary: permissions "
		  "boundaries are not supported" },
		{ "Short", "\"MaxSessionDuration\":3599,",
		  "Role.MaxSessionDuration: 3599 is outside" },
		{ "Huge", "\"MaxSessionDuration\":43201,", "Role.MaxSessionDuration: 43201" },
		{ "Strs", "\"MaxSessionDuration\":\"3600\",", "must be an integer" },
		{ "Foreign", "\"Arn\":\"arn:aws:iam::999999999999:role/Foreign\",",
		  "Foreign.json: Role.Arn: \"arn:aws:iam::999999999999:role/Foreign\" is not" },
		{ "BadPath", "\"Path\":\"ops\",", "Role.Path: must begin and end with '/'" },
		{ "Tagged", "\"Tags\":{},", "Role.Tags: must be an array" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"Role\":{%s\"RoleName\":\"%s\",\"AssumeRolePolicyDocument\":%s}}",
			 bad[i].fields, bad[i].role, trust);
		char rel[128];
		snprintf(rel, sizeof(rel), "roles/%s.json", bad[i].role);
		af_put(f, rel, text, 0644);
		af_contains(role_fault(f, bad[i].role), bad[i].expect);
	}
	af_put(f, "roles/Named.json",
	       "{\"Role\":{\"RoleName\":\"Other\",\"AssumeRolePolicyDocument\":{}}}", 0644);
	af_contains(role_fault(f, "Named"), "Role.RoleName: \"Other\" does not match");
	af_put(f, "roles/Extra.json", "{\"Role\":{},\"ResponseMetadata\":{}}", 0644);
	af_contains(role_fault(f, "Extra"), "Extra.json: ResponseMetadata: unknown field");
	af_put(f, "roles/NoPrin.json",
	       "{\"Role\":{\"RoleName\":\"NoPrin\",\"AssumeRolePolicyDocument\":{" V
	       ",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}]}}}",
	       0644);
	af_contains(role_fault(f, "NoPrin"),
		    "NoPrin.json: Role.AssumeRolePolicyDocument: Statement[0]");
	af_put(f, "roles/BadUrl.json",
	       "{\"Role\":{\"RoleName\":\"BadUrl\",\"AssumeRolePolicyDocument\":\"%7B%2\"}}", 0644);
	af_contains(role_fault(f, "BadUrl"), "not valid URL-encoded text");
	af_put(f, "roles/NotJson.json", "{\"Role\":\n{\"RoleName\": }", 0644);
	af_contains(role_fault(f, "NotJson"), "NotJson.json: line 2");

	/* get-role-policy files: RoleName must match, fields are known. */
	af_put(f, "roles/UpdateAPP.d/stray.json",
	       "{\"RoleName\":\"Fresh\",\"PolicyName\":\"x\",\"PolicyDocument\":{}}", 0644);
	af_contains(role_fault(f, "UpdateAPP"), "stray.json: RoleName: must be \"UpdateAPP\"");
	af_put(f, "roles/UpdateAPP.d/stray.json",
	       "{\"RoleName\":\"UpdateAPP\",\"PolicyName\":\"x\",\"PolicyDocument\":{" V
	       ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}}}",
	       0644);
	af_contains(role_fault(f, "UpdateAPP"), "stray.json: PolicyDocument: Statement");
	af_put(f, "roles/UpdateAPP.d/stray.json", "{\"RoleName\":\"UpdateAPP\",\"Extra\":1}", 0644);
	af_contains(role_fault(f, "UpdateAPP"), "stray.json: Extra: unknown field");
}

/* Managed policies (get-policy-version), inline ones (get-group-policy,
 * get-user-policy) and bare documents, wherever policies sit. */
static void test_cli_policy_shapes(void **state)
{
	af_fixture *f = *state;
	const char *doc = "{" V ",\"Statement\":{\"Sid\":\"Mirrored\",\"Effect\":\"Allow\","
			  "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::mirror/*\"}}";
	char text[1024], version[1024];
	sts_doc_bundle b;
	sts_role role;
	sts_error err;

	snprintf(version, sizeof(version),
		 "{\"PolicyVersion\":{\"Document\":%s,\"VersionId\":\"v3\","
		 "\"IsDefaultVersion\":true,\"CreateDate\":\"2024-01-15T09:30:00+00:00\"}}",
		 doc);
	af_put(f, "policies/groups/deployers/managed.json", version, 0644);
	snprintf(text, sizeof(text),
		 "{\"GroupName\":\"deployers\",\"PolicyName\":\"inline\",\"PolicyDocument\":%s}",
		 doc);
	af_put(f, "policies/groups/deployers/zz-inline.json", text, 0644);
	snprintf(text, sizeof(text),
		 "{\"UserName\":\"alice\",\"PolicyName\":\"mine\",\"PolicyDocument\":%s}", doc);
	af_put(f, "policies/users/alice/mine.json", text, 0644);
	assert_int_equal(sts_identity_load_user(&f->s, "alice", 100, &b, &err), 0);
	size_t found = 0;
	for (size_t i = 0; i < b.n; i++) {
		if (strcmp(b.docs[i].scope, "group/deployers/managed.json") == 0 ||
		    strcmp(b.docs[i].scope, "group/deployers/zz-inline.json") == 0 ||
		    strcmp(b.docs[i].scope, "user/alice/mine.json") == 0) {
			found++;
			af_contains(b.docs[i].text, "\"Sid\":\"Mirrored\"");
			assert_null(strstr(b.docs[i].text, "Policy"));
		}
	}
	assert_int_equal(found, 3);
	sts_doc_bundle_free(&b);

	af_put(f, "roles/UpdateAPP.d/managed.json", version, 0644);
	af_put(f, "roles/UpdateAPP.d/bare.json", doc, 0644);
	assert_int_equal(sts_role_load(&f->s, "UpdateAPP", &role, &err), 0);
	assert_int_equal(role.permissions.n, 3);
	assert_string_equal(role.permissions.docs[0].scope, "role/UpdateAPP/bare.json");
	assert_string_equal(role.permissions.docs[1].scope, "role/UpdateAPP/managed.json");
	af_contains(role.permissions.docs[1].text, "\"Sid\":\"Mirrored\"");
	sts_role_free(&role);

	static const struct {
		const char *file, *text, *expect;
	} bad[] = {
		{ "roles/UpdateAPP.d/managed.json",
		  "{\"PolicyVersion\":{\"Document\":{},\"IsDefaultVersion\":false}}",
		  "managed.json: PolicyVersion.IsDefaultVersion: must be true" },
		{ "roles/UpdateAPP.d/managed.json",
		  "{\"PolicyVersion\":{\"Document\":{},\"Colour\":1}}",
		  "managed.json: PolicyVersion.Colour: unknown field" },
		{ "roles/UpdateAPP.d/managed.json", "{\"PolicyVersion\":{\"VersionId\":\"v1\"}}",
		  "managed.json: PolicyVersion.Document: missing" },
		{ "roles/UpdateAPP.d/managed.json",
		  "{\"PolicyVersion\":{\"Document\":{}},\"ResponseMetadata\":{}}",
		  "managed.json: ResponseMetadata: unknown field" },
		{ "roles/UpdateAPP.d/managed.json",
		  "{\"PolicyVersion\":{\"Document\":{" V ",\"Statement\":{\"Effect\":\"Allow\","
		  "\"Action\":\"s3:*\"}}}}",
		  "managed.json: PolicyVersion.Document: Statement" },
		{ "roles/UpdateAPP.d/managed.json",
		  "{\"GroupName\":\"UpdateAPP\",\"PolicyName\":\"p\",\"PolicyDocument\":{}}",
		  "managed.json: GroupName: unknown field" },
		{ "policies/groups/deployers/managed.json",
		  "{\"GroupName\":\"managers\",\"PolicyName\":\"p\",\"PolicyDocument\":{}}",
		  "managed.json: GroupName: must be \"deployers\"" },
		{ "policies/groups/deployers/managed.json",
		  "{\"RoleName\":\"deployers\",\"PolicyName\":\"p\",\"PolicyDocument\":{}}",
		  "managed.json: RoleName: unknown field" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		af_put(f, bad[i].file, bad[i].text, 0644);
		af_contains(strncmp(bad[i].file, "roles/", 6) == 0 ? role_fault(f, "UpdateAPP") :
								     session_fault(f, "alice"),
			    bad[i].expect);
		af_put(f, bad[i].file, version, 0644);
	}

	/* A session policy is never stored in IAM: only the bare document. */
	af_put(f, "session-policies/wrapped.json", version, 0644);
	assert_int_equal(sts_identity_load_session_policy(&f->s, "wrapped", &b, &err), -1);
	af_contains(err.msg, "wrapped.json: must be a bare policy document");
}

/* Groups from getgrouplist: the real primary group of the test process. */
static void test_system_groups(void **state)
{
	af_fixture *f = *state;
	struct group *gr = getgrgid(getgid());
	char rel[512];
	char **names = NULL;
	size_t n = 0;
	sts_error err;

	assert_non_null(gr);
	sts_identity_set_group_source(NULL);
	/* A user the system does not know gets its primary group only. */
	assert_int_equal(sts_identity_groups("pamststestuser", getgid(), &names, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], gr->gr_name);
	sts_names_free(names, n);

	snprintf(rel, sizeof(rel), "policies/groups/%s/assume.json", gr->gr_name);
	af_put(f, rel,
	       "{" V ",\"Statement\":{\"Sid\":\"Primary\",\"Effect\":\"Allow\","
	       "\"Action\":\"sts:AssumeRole\",\"Resource\":\"arn:aws:iam::" ACCT
	       ":role/ops/PathRole\"}}",
	       0644);
	sts_caller c = af_caller("pamststestuser", 60);
	sts_authz_request r = { .op = STS_OP_ASSUME_ROLE, .target = "PathRole" };
	sts_authz_result res;
	assert_int_equal(af_decide(f, &c, &r, &res), STS_ALLOWED);
	char expect[300];
	snprintf(expect, sizeof(expect), "identity policy group/%s/assume.json Sid Primary",
		 gr->gr_name);
	af_contains(res.reason, expect);
	sts_authz_result_free(&res);
}

static int exploding_groups(const char *user, gid_t gid, char ***names, size_t *n, sts_error *err)
{
	(void)gid;
	*names = NULL;
	*n = 0;
	return sts_error_set(err, "groups of %s: lookup exploded", user);
}

/* The user's groups are looked up only when some group has policies: with no
 * policy_dir/groups a failing lookup cannot fail the decision (and costs
 * nothing); with it, the failure is the decision's fault. */
static void test_groups_looked_up_only_when_attached(void **state)
{
	af_fixture *f = *state;
	char dir[512], away[512];
	sts_caller c = af_caller("alice", 60);
	sts_authz_request r = { .op = STS_OP_SESSION };
	sts_authz_result res;

	sts_identity_set_group_source(exploding_groups);
	af_contains(af_fault(f, &c, &r), "groups of alice: lookup exploded");
	af_path(f, "policies/groups", dir, sizeof(dir));
	af_path(f, "groups-away", away, sizeof(away));
	assert_int_equal(rename(dir, away), 0);
	assert_int_equal(af_decide(f, &c, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	assert_int_equal(rename(away, dir), 0);
	sts_identity_set_group_source(af_group_source);
}

static void test_role_listing(void **state)
{
	af_fixture *f = *state;
	char **names = NULL;
	size_t n = 0;
	sts_error err;

	assert_int_equal(sts_role_list(&f->s, &names, &n, &err), 0);
	assert_int_equal(n, 7);
	assert_string_equal(names[0], "Ctx");
	assert_string_equal(names[6], "UpdateAPP");
	sts_names_free(names, n);
	af_put(f, "roles/.hidden.json", "{}", 0644);
	assert_int_equal(sts_role_list(&f->s, &names, &n, &err), -1);
	af_contains(err.msg, ".hidden.json: not a valid role name");

	sts_role role;
	assert_int_equal(sts_role_load(&f->s, "Missing", &role, &err), STS_IDENTITY_ENOENT);
	af_contains(err.msg, "Missing.json: does not exist");
	assert_int_equal(sts_role_load(&f->s, "UpdateAPP", &role, &err), 0);
	assert_int_equal(role.max_session, 7200);
	assert_string_equal(role.arn, "arn:aws:iam::" ACCT ":role/UpdateAPP");
	assert_int_equal(role.permissions.n, 1);
	sts_role_free(&role);
	assert_false(sts_valid_role_name(".x"));
	assert_false(sts_valid_role_name("a/b"));
	assert_true(sts_valid_role_name("a"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, af_setup, af_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_symlinks_refused),
		T(test_modes_and_owners_refused),
		T(test_policy_errors_name_file_and_place),
		T(test_role_file_shapes),
		T(test_cli_policy_shapes),
		T(test_system_groups),
		T(test_groups_looked_up_only_when_attached),
		T(test_role_listing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
