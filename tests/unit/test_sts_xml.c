/*
 * STS's XML answers (lib/upstream/sts_xml.c): the three operations'
 * credentials and who they are, ErrorResponse, and every answer that is not
 * exactly STS's (garbled, truncated, another namespace, a DTD or entity,
 * too large, a field missing, repeated or able to split a line) refused
 * with nothing filled in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "upstream/sts_xml.h"

#define NS "https://sts.amazonaws.com/doc/2011-06-15/"

/* AssumeRole's answer as the IAM guide shows it: whitespace around the
 * secrets, an element the parser does not use. */
static const char assume_role_ok[] =
	"<?xml version=\"1.0\"?>\n"
	"<AssumeRoleResponse xmlns=\"" NS "\">\n"
	"  <AssumeRoleResult>\n"
	"    <SourceIdentity>alice</SourceIdentity>\n"
	"    <Credentials>\n"
	"      <SessionToken>\n   FQoGZXIvYXdzEXAMPLE/token+==\n      </SessionToken>\n"
	"      <SecretAccessKey>\n   wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\n"
	"      </SecretAccessKey>\n"
	"      <Expiration>2019-07-15T23:28:33.359Z</Expiration>\n"
	"      <AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>\n"
	"    </Credentials>\n"
	"    <AssumedRoleUser>\n"
	"      <Arn>arn:aws:sts::123456789012:assumed-role/demo/alice</Arn>\n"
	"      <AssumedRoleId>ARO123EXAMPLE123:alice</AssumedRoleId>\n"
	"    </AssumedRoleUser>\n"
	"    <PackedPolicySize>8</PackedPolicySize>\n"
	"  </AssumeRoleResult>\n"
	"  <ResponseMetadata>\n"
	"    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
	"  </ResponseMetadata>\n"
	"</AssumeRoleResponse>\n";

static const char federation_ok[] =
	"<GetFederationTokenResponse xmlns=\"" NS "\"><GetFederationTokenResult>"
	"<Credentials><SessionToken>tok</SessionToken><SecretAccessKey>sec</SecretAccessKey>"
	"<Expiration>2026-12-31T23:59:59Z</Expiration><AccessKeyId>ASIAFEDERATEDEXAMPLE</AccessKeyId>"
	"</Credentials><FederatedUser><Arn>arn:aws:sts::123456789012:federated-user/bob</Arn>"
	"<FederatedUserId>123456789012:bob</FederatedUserId></FederatedUser>"
	"<PackedPolicySize>6</PackedPolicySize></GetFederationTokenResult>"
	"<ResponseMetadata><RequestId>req-fed</RequestId></ResponseMetadata>"
	"</GetFederationTokenResponse>";

static const char session_ok[] =
	"<GetSessionTokenResponse xmlns=\"" NS "\"><GetSessionTokenResult>"
	"<Credentials><SessionToken>tok2</SessionToken><SecretAccessKey>sec2</SecretAccessKey>"
	"<Expiration>2024-02-29T00:00:00Z</Expiration><AccessKeyId>ASIASESSIONEXAMPLE00</AccessKeyId>"
	"</Credentials></GetSessionTokenResult>"
	"<ResponseMetadata><RequestId>req-sess</RequestId></ResponseMetadata>"
	"</GetSessionTokenResponse>";

static const char error_answer[] =
	"<ErrorResponse xmlns=\"" NS "\">\n"
	"  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n"
	"    <Message>User: arn:aws:sts::1:assumed-role/x is not authorized to perform: "
	"sts:AssumeRole</Message>\n  </Error>\n"
	"  <RequestId>err-1</RequestId>\n</ErrorResponse>\n";

static int parse(const char *text, size_t len, sts_operation op, sts_upstream_creds *c,
		 sts_upstream_fault *f, char *msg)
{
	sts_error err;
	int rc;

	sts_error_clear(&err);
	rc = sts_xml_parse(text, len, op, c, f, &err);
	if (msg)
		snprintf(msg, 768, "%s", err.msg);
	return rc;
}

static void assert_empty(const sts_upstream_creds *c, const sts_upstream_fault *f)
{
	assert_null(c->access_key_id);
	assert_null(c->secret_access_key);
	assert_null(c->session_token);
	assert_null(c->principal_arn);
	assert_null(c->request_id);
	assert_int_equal(c->expiration, 0);
	assert_null(f->code);
	assert_null(f->message);
}

static void test_assume_role(void **st)
{
	sts_upstream_creds c;
	sts_upstream_fault f;

	(void)st;
	assert_int_equal(
		parse(assume_role_ok, strlen(assume_role_ok), STS_OP_ASSUME_ROLE, &c, &f, NULL), 0);
	assert_string_equal(c.access_key_id, "ASIAJEXAMPLEXEG2JICEA");
	assert_string_equal(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	assert_string_equal(c.session_token, "FQoGZXIvYXdzEXAMPLE/token+==");
	assert_int_equal(c.expiration, 1563233313);
	assert_string_equal(c.principal_arn, "arn:aws:sts::123456789012:assumed-role/demo/alice");
	assert_string_equal(c.principal_id, "ARO123EXAMPLE123:alice");
	assert_string_equal(c.source_identity, "alice");
	assert_string_equal(c.request_id, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
	assert_null(f.code);
	sts_upstream_creds_clear(&c);
	assert_null(c.secret_access_key);
}

static void test_federation_and_session(void **st)
{
	sts_upstream_creds c;
	sts_upstream_fault f;

	(void)st;
	assert_int_equal(parse(federation_ok, strlen(federation_ok), STS_OP_FEDERATE, &c, &f, NULL),
			 0);
	assert_string_equal(c.principal_arn, "arn:aws:sts::123456789012:federated-user/bob");
	assert_string_equal(c.principal_id, "123456789012:bob");
	assert_null(c.source_identity);
	assert_int_equal(c.expiration, 1798761599);
	assert_string_equal(c.request_id, "req-fed");
	sts_upstream_creds_clear(&c);

	assert_int_equal(parse(session_ok, strlen(session_ok), STS_OP_SESSION, &c, &f, NULL), 0);
	assert_string_equal(c.access_key_id, "ASIASESSIONEXAMPLE00");
	assert_string_equal(c.session_token, "tok2");
	assert_int_equal(c.expiration, 1709164800);
	assert_null(c.principal_arn);
	assert_null(c.principal_id);
	sts_upstream_creds_clear(&c);
}

static void test_error_response(void **st)
{
	sts_upstream_creds c;
	sts_upstream_fault f;

	(void)st;
	for (int op = STS_OP_SESSION; op <= STS_OP_FEDERATE; op++) {
		assert_int_equal(parse(error_answer, strlen(error_answer), (sts_operation)op, &c,
				       &f, NULL),
				 STS_XML_FAULT);
		assert_null(c.access_key_id);
		assert_string_equal(f.type, "Sender");
		assert_string_equal(f.code, "AccessDenied");
		assert_string_equal(f.message, "User: arn:aws:sts::1:assumed-role/x is not "
					       "authorized to perform: sts:AssumeRole");
		assert_string_equal(f.request_id, "err-1");
		sts_upstream_fault_clear(&f);
	}
}

/* |from| replaced by |to| in |text| (one place), malloc'd. */
static char *edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	assert_non_null(at);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

/* Refused with nothing filled in, the message saying |says| (NULL: anything). */
static void assert_refused_saying(const char *text, size_t len, sts_operation op, const char *why,
				  const char *says)
{
	sts_upstream_creds c;
	sts_upstream_fault f;
	char msg[768];

	if (parse(text, len, op, &c, &f, msg) != -1)
		fail_msg("accepted: %s", why);
	assert_empty(&c, &f);
	assert_true(strncmp(msg, "STS answer", 10) == 0);
	if (says && !strstr(msg, says))
		fail_msg("%s: \"%s\" does not say %s", why, msg, says);
}

static void assert_refused(const char *text, size_t len, sts_operation op, const char *why)
{
	assert_refused_saying(text, len, op, why, NULL);
}

static void assert_edit_refused(const char *from, const char *to, const char *why)
{
	char *text = edit(assume_role_ok, from, to);

	assert_refused(text, strlen(text), STS_OP_ASSUME_ROLE, why);
	free(text);
}

static void test_garbled_and_truncated(void **st)
{
	(void)st;
	assert_refused("", 0, STS_OP_ASSUME_ROLE, "empty");
	assert_refused("not xml at all", 14, STS_OP_ASSUME_ROLE, "text");
	assert_refused("<html><body>502 Bad Gateway</body></html>", 42, STS_OP_ASSUME_ROLE,
		       "an HTML error page");
	/* Every cut of the answer is refused, never a partial result. */
	for (size_t cut = 1; cut < strlen(assume_role_ok) - 2; cut += 7)
		assert_refused(assume_role_ok, cut, STS_OP_ASSUME_ROLE, "truncated");
	assert_refused("<a>\0</a>", 8, STS_OP_ASSUME_ROLE, "a NUL byte");
}

static void test_wrong_shape(void **st)
{
	(void)st;
	assert_edit_refused(NS, "https://sts.example.com/doc/2011-06-15/", "another namespace");
	assert_edit_refused(" xmlns=\"" NS "\"", "", "no namespace");
	assert_edit_refused("<AccessKeyId>", "<AccessKeyId xmlns=\"urn:x\">",
			    "a field in another namespace");
	assert_refused(session_ok, strlen(session_ok), STS_OP_ASSUME_ROLE, "another operation");
	assert_refused(assume_role_ok, strlen(assume_role_ok), STS_OP_FEDERATE,
		       "another operation");
	assert_edit_refused(
		"<SessionToken>\n   FQoGZXIvYXdzEXAMPLE/token+==\n      </SessionToken>", "",
		"no session token");
	assert_edit_refused("<AssumedRoleId>ARO123EXAMPLE123:alice</AssumedRoleId>", "",
			    "no AssumedRoleId");
	assert_edit_refused("<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>", "",
			    "no RequestId");
	assert_edit_refused("<AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>",
			    "<AccessKeyId>A</AccessKeyId><AccessKeyId>B</AccessKeyId>",
			    "a repeated field");
	assert_edit_refused("ASIAJEXAMPLEXEG2JICEA", "ASIA\nINJECTED", "a line break in a key");
	assert_edit_refused("ASIAJEXAMPLEXEG2JICEA", "ASIA&#10;X", "a line break as a reference");
	assert_edit_refused("ASIAJEXAMPLEXEG2JICEA", "<b>x</b>", "an element in a value");
	assert_edit_refused("ASIAJEXAMPLEXEG2JICEA", "", "an empty key");
	assert_edit_refused("2019-07-15T23:28:33.359Z", "tomorrow", "a bad expiration");
	assert_edit_refused("2019-07-15T23:28:33.359Z", "2019-02-30T00:00:00Z", "no such day");
	assert_edit_refused("ASIAJEXAMPLEXEG2JICEA", "&custom;", "an undeclared entity");
}

static void test_dtd_and_entities(void **st)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
		"<AssumeRoleResponse xmlns=\"" NS "\">&b;</AssumeRoleResponse>";
	static const char external[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/x.dtd\">"
		"<AssumeRoleResponse xmlns=\"" NS "\"/>";
	char *xxe;

	(void)st;
	assert_refused_saying(laughs, strlen(laughs), STS_OP_ASSUME_ROLE, "entity expansion",
			      "DTD");
	assert_refused_saying(external, strlen(external), STS_OP_ASSUME_ROLE, "an external DTD",
			      "DTD");
	xxe = edit(assume_role_ok, "<?xml version=\"1.0\"?>\n",
		   "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY k SYSTEM "
		   "\"file:///etc/hostname\">]>\n");
	assert_refused_saying(xxe, strlen(xxe), STS_OP_ASSUME_ROLE, "an external entity", "DTD");
	free(xxe);
}

static void test_oversized(void **st)
{
	size_t big = STS_XML_MAX + 1;
	char *text = malloc(big);

	(void)st;
	assert_non_null(text);
	memset(text, ' ', big);
	memcpy(text, assume_role_ok, strlen(assume_role_ok));
	assert_refused(text, big, STS_OP_ASSUME_ROLE, "larger than the bound");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assume_role),
		cmocka_unit_test(test_federation_and_session),
		cmocka_unit_test(test_error_response),
		cmocka_unit_test(test_garbled_and_truncated),
		cmocka_unit_test(test_wrong_shape),
		cmocka_unit_test(test_dtd_and_entities),
		cmocka_unit_test(test_oversized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
