/*
 * Fixture for the whole-stack tests: test users and groups for nss_wrapper
 * (preloaded into the test and, through the helper stand-in, into
 * sts-helper), the sandbox configuration tree copied from conf/sandbox, an
 * issuer key ring, a runtime directory, and the helper stand-in.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpamtest.h>

#include "token/keyring.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

static void write_stack(const char *name, const char *account_config, const char *account_args,
			const char *session_args);

static char lines[2048];
unsigned sf_helper_timeout = 3;

const char *sf_config_lines(void)
{
	snprintf(lines, sizeof(lines),
		 "account_id = 123456789012\npolicy_dir = %s/sandbox/policies\n"
		 "role_dir = %s/sandbox/roles\nsession_policy_dir = %s/sandbox/session-policies\n"
		 "issuer_key = %s/issuer.key\nruntime_dir = %s/run\nhelper = %s/sts-helper\n"
		 "helper_timeout = %u\nhelper_socket = %s/brk/helper.sock\n",
		 root, root, root, root, root, root, sf_helper_timeout, root);
	return lines;
}

static void write_users(void)
{
	char path[400], text[16384];
	unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();
	size_t used;

	snprintf(path, sizeof(path), "%s/passwd", root);
	snprintf(text, sizeof(text),
		 "root:x:0:0:root:/root:/bin/sh\n"
		 "alice:x:%u:%u:Alice:/tmp:/bin/sh\nmia:x:%u:%u:Mia:/tmp:/bin/sh\n"
		 "bob:x:%u:%u:Bob:/tmp:/bin/sh\ncarol:x:%u:%u:Carol:/tmp:/bin/sh\n",
		 uid, gid, uid, gid, uid, gid, uid, gid);
	/* The load tests' users: load00 .. load199. */
	used = strlen(text);
	for (int i = 0; i < SF_BROKER_LOAD_USERS; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "load%02d:x:%u:%u::/tmp:/bin/sh\n", i, uid, gid);
	pf_write_text(path, text, 0644);
	snprintf(path, sizeof(path), "%s/group", root);
	snprintf(text, sizeof(text),
		 "%s:x:%u:\ndeployers:x:45001:alice\nmanagers:x:45002:mia,bob\n",
		 gid == 0 ? "root" : "stsprimary", gid);
	pf_write_text(path, text, 0644);
}

void sf_make_identity(void)
{
	char cmd[1200], path[400];
	sts_error err;

	write_users();
	/* make check runs the tests from the source tree's root. */
	snprintf(cmd, sizeof(cmd),
		 "cp -r conf/sandbox '%s/sandbox' && chmod -R go-w '%s/sandbox' && "
		 "cp '%s/tests/sts-helper-wrap' '%s/sts-helper' && chmod 0755 '%s/sts-helper'",
		 root, root, PAM_STS_BUILD, root, root);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/issuer.key", root);
	assert_int_equal(sts_keyring_create(path, &err), 0);
	snprintf(path, sizeof(path), "%s/run", root);
	assert_int_equal(mkdir(path, 0755), 0);
	/* pam_wrapper copies the service directory once, when it loads. */
	sf_stack_service("stack-session", "action=session", "");
	/* With an argument, GetSessionToken's decision is asked of op=decide. */
	sf_stack_service("stack-session-1h", "action=session duration=3600", "");
	/* Its account line reads another file (a copy test_session_grant makes). */
	snprintf(path, sizeof(path), "%s/pam_sts-2.conf", root);
	write_stack("stack-session-conf2", path, "action=session", "");
	sf_stack_service("stack-role", "action=assume-role role=UpdateAPP", "");
	/* test_pam_upstream: two hours, over role chaining's cap. */
	sf_stack_service("stack-role-2h", "action=assume-role role=UpdateAPP duration=7200", "");
	sf_stack_service("stack-fed-ok", "action=federate name=Manager-Bob", "");
	sf_stack_service("stack-fed-no", "action=federate name=Bob", "");
	sf_stack_service("stack-prompt", "action=assume-role role=prompt", "env=secrets");
	sf_stack_service("stack-requested", "action=requested", "");
}

void sf_helper_mode(const char *mode)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/helper-mode", root);
	if (*mode)
		pf_write_text(path, mode, 0644);
	else
		unlink(path);
}

/* auth and session read the fixture's configuration, account |account_config|. */
static void write_stack(const char *name, const char *account_config, const char *account_args,
			const char *session_args)
{
	char path[400], text[2400];

	snprintf(path, sizeof(path), "%s/%s", services, name);
	snprintf(text, sizeof(text),
		 "auth required %s/pam_sts.so config=%s\n"
		 "account required %s/pam_sts.so config=%s %s\n"
		 "session required %s/pam_sts.so config=%s %s\n",
		 PAM_STS_BUILD, config, PAM_STS_BUILD, account_config, account_args, PAM_STS_BUILD,
		 config, session_args);
	pf_write_text(path, text, 0644);
}

void sf_stack_service(const char *name, const char *account_args, const char *session_args)
{
	write_stack(name, config, account_args, session_args);
}

void sf_break_json(const char *rel, bool broken)
{
	char path[600], cmd[1300];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (broken) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s.saved'", path, path);
		assert_int_equal(system(cmd), 0);
		pf_write_text(path, "{", 0644);
	} else {
		snprintf(cmd, sizeof(cmd), "mv '%s.saved' '%s'", path, path);
		assert_int_equal(system(cmd), 0);
	}
}

int sf_session_count(void)
{
	char path[400];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/run", root);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

pam_handle_t *sf_authenticated(const char *svc, const char *user, int64_t *clock)
{
	char code[9];
	const char *off[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = off };
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};

	*clock += 30;
	pf_set_time(*clock);
	pf_code_at(*clock, code);
	pf_enroll(user, (*clock - 30) / 30, 0);
	assert_int_equal(run_pamtest(svc, user, &conv, cases, NULL), PAMTEST_ERR_OK);
	return pf_keep_conv(cases[1].case_out.ph);
}
