/*
 * What lib/upstream accepts before any network traffic: AWS's timestamps
 * (iso8601.c), the endpoint rules (http.c: https, or http only to a
 * loopback address for STS; http to an IP address for IMDS; no user, query,
 * fragment or path), and the base identity's keys file (base_creds_file.c:
 * root-owned, private, no link; the profile's keys, printable, never
 * echoed in a message).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "upstream/base_creds_file.h"
#include "upstream/http.h"
#include "upstream/iso8601.h"

static void test_iso8601(void **st)
{
	static const char *const refused[] = {
		"",
		"2019-07-15",
		"2019-07-15T23:28:33",
		"2019-07-15T23:28:33+01:00",
		"2019-07-15 23:28:33Z",
		"2019-13-15T23:28:33Z",
		"2019-02-29T00:00:00Z",
		"2019-07-15T24:00:00Z",
		"2019-07-15T23:60:00Z",
		"2019-07-15T23:28:33.Z",
		"2019-07-15T23:28:33.5ZZ",
		"1969-12-31T23:59:59Z",
		"+019-07-15T23:28:33Z",
	};
	int64_t t;

	(void)st;
	assert_int_equal(sts_iso8601_parse("2019-07-15T23:28:33Z", &t), 0);
	assert_int_equal(t, 1563233313);
	assert_int_equal(sts_iso8601_parse("2019-07-15T23:28:33.359Z", &t), 0);
	assert_int_equal(t, 1563233313);
	assert_int_equal(sts_iso8601_parse("2024-02-29T00:00:00Z", &t), 0);
	assert_int_equal(t, 1709164800);
	assert_int_equal(sts_iso8601_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (sts_iso8601_parse(refused[i], &t) == 0)
			fail_msg("accepted \"%s\"", refused[i]);
	assert_int_equal(sts_iso8601_parse(NULL, &t), -1);
}

static void test_sts_endpoints(void **st)
{
	static const char *const accepted[] = {
		"https://sts.eu-west-1.amazonaws.com",
		"https://sts.eu-west-1.amazonaws.com/",
		"https://sts.example.internal:8443",
		"http://127.0.0.1:8080",
		"http://127.1.2.3/",
		"http://[::1]:9000",
	};
	static const char *const refused[] = {
		"",
		"sts.amazonaws.com",
		"http://sts.amazonaws.com",
		"http://169.254.169.254",
		"http://localhost:8080",
		"http://128.0.0.1",
		"ftp://127.0.0.1/",
		"https://sts.amazonaws.com/?Action=GetSessionToken",
		"https://sts.amazonaws.com/path",
		"https://sts.amazonaws.com/#x",
		"https://user:pw@sts.amazonaws.com/",
		"file:///etc/passwd",
	};
	sts_error err;

	(void)st;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		if (sts_http_url_check(accepted[i], STS_URL_HTTPS_OR_LOOPBACK, &err) != 0)
			fail_msg("refused %s: %s", accepted[i], err.msg);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (sts_http_url_check(refused[i], STS_URL_HTTPS_OR_LOOPBACK, &err) == 0)
			fail_msg("accepted \"%s\"", refused[i]);
	assert_int_equal(sts_http_url_check(NULL, STS_URL_HTTPS_OR_LOOPBACK, &err), -1);
}

static void test_imds_endpoints(void **st)
{
	sts_error err;

	(void)st;
	assert_int_equal(sts_http_url_check("http://169.254.169.254", STS_URL_HTTP_IP, &err), 0);
	assert_int_equal(sts_http_url_check("http://[fd00:ec2::254]/", STS_URL_HTTP_IP, &err), 0);
	assert_int_equal(sts_http_url_check("http://127.0.0.1:9", STS_URL_HTTP_IP, &err), 0);
	assert_int_equal(sts_http_url_check("https://169.254.169.254", STS_URL_HTTP_IP, &err), -1);
	assert_int_equal(sts_http_url_check("http://metadata.internal", STS_URL_HTTP_IP, &err), -1);
	assert_int_equal(sts_http_url_check("http://169.254.169.254/latest", STS_URL_HTTP_IP, &err),
			 -1);
}

static const char keys_text[] = "# the broker's IAM user\n"
				"[default]\n"
				"aws_access_key_id = AKIADEFAULTEXAMPLE01\n"
				"aws_secret_access_key = default/secret/example/0000000000000001\n"
				"\n"
				"[broker]\n"
				"AWS_Access_Key_Id=AKIABROKEREXAMPLE001\n"
				"aws_secret_access_key = broker/secret/example/00000000000000001\n"
				"aws_session_token = broker-token\n"
				"region = eu-west-1\n";

static void test_keys_parse(void **st)
{
	sts_base_creds c;
	sts_error err;

	(void)st;
	assert_int_equal(sts_base_creds_parse(keys_text, strlen(keys_text), "k", NULL, &c, &err),
			 0);
	assert_string_equal(c.access_key_id, "AKIADEFAULTEXAMPLE01");
	assert_string_equal(c.secret_access_key, "default/secret/example/0000000000000001");
	assert_null(c.session_token);
	assert_int_equal(c.expiration, 0);
	sts_base_creds_clear(&c);
	assert_null(c.secret_access_key);
	assert_int_equal(
		sts_base_creds_parse(keys_text, strlen(keys_text), "k", "broker", &c, &err), 0);
	assert_string_equal(c.access_key_id, "AKIABROKEREXAMPLE001");
	assert_string_equal(c.session_token, "broker-token");
	sts_base_creds_clear(&c);
	assert_int_equal(
		sts_base_creds_parse(keys_text, strlen(keys_text), "k", "nosuch", &c, &err), -1);
	assert_non_null(strstr(err.msg, "no [nosuch] section"));
	assert_null(c.access_key_id);
}

static void assert_keys_refused(const char *text, const char *why)
{
	sts_base_creds c;
	sts_error err;

	if (sts_base_creds_parse(text, strlen(text), "k", NULL, &c, &err) != -1)
		fail_msg("accepted: %s", why);
	assert_null(c.access_key_id);
	assert_null(c.secret_access_key);
	/* The message never repeats a value. */
	assert_null(strstr(err.msg, "s3cr3t"));
}

static void test_keys_refused(void **st)
{
	(void)st;
	assert_keys_refused("[default]\naws_access_key_id = AKIAX\n", "no secret");
	assert_keys_refused("[default]\naws_secret_access_key = s3cr3t\n", "no key id");
	assert_keys_refused(
		"[default]\naws_access_key_id = AKIA X\naws_secret_access_key = s3cr3t\n",
		"a blank inside the key id");
	assert_keys_refused("[default]\naws_access_key_id = AKIAX\naws_secret_access_key = s3cr3t\n"
			    "aws_session_token =\n",
			    "an empty token");
	assert_keys_refused("[default]\naws_access_key_id = AKIAX\naws_access_key_id = AKIAY\n"
			    "aws_secret_access_key = s3cr3t\n",
			    "a repeated key");
	assert_keys_refused(
		"[default]\naws_access_key_id = AKIAX\n  aws_secret_access_key = s3cr3t\n",
		"a continuation line");
	assert_keys_refused(
		"[default]\naws_access_key_id = AKIAX\naws_secret_access_key = s3\x01r3t\n",
		"a control character in the secret");
}

static char dir[64];

static int write_keys(const char *name, mode_t mode)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, keys_text, strlen(keys_text)) != (ssize_t)strlen(keys_text))
		return -1;
	close(fd);
	return chmod(path, mode);
}

static int keys_file(const char *name, sts_error *err)
{
	char path[128];
	sts_base_creds c;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = sts_base_creds_from_file(path, "broker", &c, err);
	if (rc == 0)
		assert_string_equal(c.access_key_id, "AKIABROKEREXAMPLE001");
	sts_base_creds_clear(&c);
	return rc;
}

static void test_keys_file_checks(void **st)
{
	char target[128], link_path[128];
	sts_error err;

	(void)st;
	if (geteuid() != 0)
		skip(); /* the file must be root's */
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir)), 0);
	assert_int_equal(write_keys("keys", 0600), 0);
	assert_int_equal(keys_file("keys", &err), 0);
	assert_int_equal(write_keys("readonly", 0400), 0);
	assert_int_equal(keys_file("readonly", &err), 0);
	assert_int_equal(write_keys("group", 0640), 0);
	assert_int_equal(keys_file("group", &err), -1);
	assert_non_null(strstr(err.msg, "group or others"));
	assert_int_equal(write_keys("other", 0604), 0);
	assert_int_equal(keys_file("other", &err), -1);
	assert_int_equal(write_keys("owned", 0600), 0);
	snprintf(target, sizeof(target), "%s/owned", dir);
	assert_int_equal(chown(target, 65534, 65534), 0);
	assert_int_equal(keys_file("owned", &err), -1);
	snprintf(target, sizeof(target), "%s/keys", dir);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	assert_int_equal(symlink(target, link_path), 0);
	assert_int_equal(keys_file("link", &err), -1);
	assert_int_equal(keys_file("absent", &err), -1);
	assert_int_equal(tu_rmtree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso8601),	       cmocka_unit_test(test_sts_endpoints),
		cmocka_unit_test(test_imds_endpoints), cmocka_unit_test(test_keys_parse),
		cmocka_unit_test(test_keys_refused),   cmocka_unit_test(test_keys_file_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
