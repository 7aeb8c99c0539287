/* MFA tickets: authentic, bound to user and service, expiring; key handling. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mfa_ticket.h"
#include "testutil.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pam_sts-ticket-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_issue_and_verify(void **state)
{
	unsigned char key[STS_TICKET_KEY_LEN], again[STS_TICKET_KEY_LEN];
	char ticket[STS_TICKET_MAX], forged[STS_TICKET_MAX];
	int64_t at = 0;
	sts_error err;

	(void)state;
	assert_int_equal(sts_ticket_key_load(dir, false, key, &err), -1); /* absent, no create */
	assert_int_equal(sts_ticket_key_load(dir, true, key, &err), 0);
	assert_int_equal(sts_ticket_key_load(dir, true, again, &err), 0);
	assert_memory_equal(key, again, sizeof(key)); /* created once */
	assert_int_equal(sts_ticket_issue(key, "alice", "sshd", 1800000000, 300, ticket, &err), 0);
	assert_int_equal(sts_ticket_verify(key, ticket, "alice", "sshd", 1800000100, &at, &err), 0);
	assert_int_equal(at, 1800000000);
	assert_int_equal(sts_ticket_verify(key, ticket, "bob", "sshd", 1800000100, &at, &err), -1);
	assert_int_equal(sts_ticket_verify(key, ticket, "alice", "sudo", 1800000100, &at, &err),
			 -1);
	assert_int_equal(sts_ticket_verify(key, ticket, "alice", "sshd", 1800000300, &at, &err),
			 -1);
	assert_non_null(strstr(err.msg, "expired"));
	/* Any change to the text breaks the MAC. */
	snprintf(forged, sizeof(forged), "%s", ticket);
	forged[3] = forged[3] == '9' ? '8' : '9';
	assert_int_equal(sts_ticket_verify(key, forged, "alice", "sshd", 1800000100, &at, &err),
			 -1);
	assert_int_equal(sts_ticket_verify(key, "v1.1.2.zz.zz", "alice", "sshd", 1, &at, &err), -1);
	assert_int_equal(sts_ticket_verify(key, NULL, "alice", "sshd", 1, &at, &err), -1);
	again[0] ^= 1; /* another host's key */
	assert_int_equal(sts_ticket_verify(again, ticket, "alice", "sshd", 1800000100, &at, &err),
			 -1);
}

static void test_key_file_checked(void **state)
{
	unsigned char key[STS_TICKET_KEY_LEN];
	char path[128];
	sts_error err;

	(void)state;
	snprintf(path, sizeof(path), "%s/mfa-ticket.key", dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(sts_ticket_key_load(dir, true, key, &err), -1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(sts_ticket_key_load(dir, true, key, &err), -1);
	assert_non_null(strstr(err.msg, "refused"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_and_verify),
		cmocka_unit_test(test_key_file_checked),
	};
	umask(077);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
