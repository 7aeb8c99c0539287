/*
 * The token's claims as JSON: round trip, strict parsing (unknown, missing,
 * mistyped fields; trailing text; embedded NULs), and payloads that are
 * authentic but wrong (sealed here directly with the fixture's key; the
 * payload parser's strictness is test_token.c's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"
#include "testutil.h"
#include "token_fixture.h"

#define AKID   "ASIAABCDEFGHIJKLMNOP"
#define SECRET "abcdefghijABCDEFGHIJ0123456789+/abcdefgh"

/* A minimal valid payload, with %s where a test splices a field in. */
#define BASE                                                                                \
	"{\"operation\":\"GetSessionToken\",\"principal_arn\":\"arn:aws:iam::123456789012:" \
	"user/alice\",\"source_identity\":\"alice\",\"source_ip\":null,\"mfa_present\":"    \
	"true,\"mfa_time\":1799999990,\"issued\":1800000000,\"expires\":1800003600,"        \
	"\"identity\":[],\"session\":[],\"no_permissions\":false,\"userid\":\"1000\"%s}"

static int parse(const char *json, char *msg, size_t cap)
{
	sts_token_claims c;
	sts_error err;
	int rc = sts_token_claims_from_json(json, strlen(json), &c, &err);

	snprintf(msg, cap, "%s", rc < 0 ? err.msg : "");
	sts_token_claims_free(&c);
	return rc;
}

static void test_json_round_trip(void **state)
{
	sts_token_claims c, back;
	sts_error err;
	char *json;

	(void)state;
	tf_claims(&c, TF_NOW);
	json = sts_token_claims_to_json(&c, &err);
	assert_non_null(json);
	/* The claims JSON never carries the credential. */
	assert_null(strstr(json, "secret"));
	assert_null(strstr(json, "access_key_id"));
	assert_int_equal(sts_token_claims_from_json(json, strlen(json), &back, &err), 0);
	tf_assert_claims_equal(&c, &back);
	sts_token_claims_free(&back);
	free(json);
	sts_token_claims_free(&c);
}

static void test_json_base_and_credential(void **state)
{
	char json[2048], msg[800];

	(void)state;
	snprintf(json, sizeof(json), BASE, "");
	assert_int_equal(parse(json, msg, sizeof(msg)), 0);
	snprintf(json, sizeof(json), BASE,
		 ",\"access_key_id\":\"" AKID "\",\"secret_access_key\":\"" SECRET "\"");
	assert_int_equal(parse(json, msg, sizeof(msg)), 0);
	/* One credential field without the other. */
	snprintf(json, sizeof(json), BASE, ",\"access_key_id\":\"" AKID "\"");
	assert_int_equal(parse(json, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "incomplete"));
	snprintf(json, sizeof(json), BASE, ",\"secret_access_key\":\"" SECRET "\"");
	assert_int_equal(parse(json, msg, sizeof(msg)), -1);
	snprintf(json, sizeof(json), BASE,
		 ",\"access_key_id\":\"AKIAABCDEFGHIJKLMNOP\",\"secret_access_key\":\"" SECRET
		 "\"");
	assert_int_equal(parse(json, msg, sizeof(msg)), -1);
	snprintf(json, sizeof(json), BASE,
		 ",\"access_key_id\":\"" AKID "\",\"secret_access_key\":\"short\"");
	assert_int_equal(parse(json, msg, sizeof(msg)), -1);
}

/* Each entry replaces one "from" text of BASE by "to"; all must be refused. */
static void test_json_strict(void **state)
{
	static const char *const edits[][2] = {
		{ "\"operation\":\"GetSessionToken\"", "\"operation\":\"getsessiontoken\"" },
		{ "\"operation\":\"GetSessionToken\",", "" },
		{ "\"operation\":\"GetSessionToken\"", "\"operation\":1" },
		{ "\"source_ip\":null", "\"source_ip\":1" },
		{ "\"source_identity\":\"alice\",", "" },
		{ "\"source_identity\":\"alice\"", "\"source_identity\":\"\"" },
		{ "\"source_identity\":\"alice\"", "\"source_identity\":\"al\\u0000ice\"" },
		{ "\"source_identity\":\"alice\"", "\"source_identity\":\"al\\nice\"" },
		{ "\"source_identity\":\"alice\"", "\"source_identity\":null" },
		{ "\"principal_arn\":\"arn:", "\"principal_arn\":\"nra:" },
		{ "\"mfa_present\":true", "\"mfa_present\":1" },
		{ "\"mfa_present\":true", "\"mfa_present\":\"true\"" },
		{ "\"mfa_present\":true", "\"mfa_present\":false" },
		{ "\"mfa_time\":1799999990", "\"mfa_time\":1799999990.0" },
		{ "\"mfa_time\":1799999990", "\"mfa_time\":\"1799999990\"" },
		{ "\"issued\":1800000000", "\"issued\":-1" },
		{ "\"issued\":1800000000", "\"issued\":1800003601" },
		{ "\"expires\":1800003600", "\"expires\":1800129601" },
		{ "\"expires\":1800003600", "\"expires\":99999999999999999999" },
		{ "\"expires\":1800003600,", "" },
		{ "\"identity\":[]", "\"identity\":{}" },
		{ "\"identity\":[]", "\"identity\":[{\"name\":\"a\"}]" },
		{ "\"identity\":[]", "\"identity\":[{\"name\":\"a\",\"text\":\"{}\",\"x\":1}]" },
		{ "\"identity\":[]", "\"identity\":[{\"name\":\"\",\"text\":\"{}\"}]" },
		{ "\"identity\":[]", "\"identity\":[{\"name\":\"a\",\"text\":\"\"}]" },
		{ "\"identity\":[]", "\"identity\":[{\"name\":\"a\",\"text\":3}]" },
		{ "\"identity\":[]", "\"identity\":[\"a\"]" },
		{ "\"session\":[]", "\"session\":null" },
		{ "\"no_permissions\":false", "\"no_permissions\":0" },
		{ "\"no_permissions\":false", "\"no_permissions\":false,\"extra\":1" },
		{ "{\"operation\"", "{\"Operation\":\"x\",\"operation\"" },
		{ "{\"operation\"", "/* c */{\"operation\"" },
		{ "\"userid\":\"1000\"", "\"userid\":1000" },
		{ ",\"userid\":\"1000\"", "" },
		{ "\"userid\":\"1000\"", "\"userid\":\"10\\t00\"" },
		{ "\"identity\":[]", "\"identity\":[,]" },
	};
	char base[2048], json[2048], msg[800];

	(void)state;
	snprintf(base, sizeof(base), BASE, "");
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(base, edits[i][0]);
		assert_non_null(at);
		snprintf(json, sizeof(json), "%.*s%s%s", (int)(at - base), base, edits[i][1],
			 at + strlen(edits[i][0]));
		if (parse(json, msg, sizeof(msg)) == 0)
			fail_msg("edit %zu accepted: %s", i, json);
	}
	/* Whole-document faults. */
	assert_int_equal(parse("", msg, sizeof(msg)), -1);
	assert_int_equal(parse("[]", msg, sizeof(msg)), -1);
	assert_int_equal(parse("null", msg, sizeof(msg)), -1);
	snprintf(json, sizeof(json), BASE, "");
	strcat(json, " ");
	assert_int_equal(parse(json, msg, sizeof(msg)), -1); /* nothing after the object */
	snprintf(json, sizeof(json), BASE, "");
	strcat(json, "{}");
	assert_int_equal(parse(json, msg, sizeof(msg)), -1);
	snprintf(json, sizeof(json), BASE, "");
	json[strlen(json) - 1] = '\0';
	assert_int_equal(parse(json, msg, sizeof(msg)), -1); /* cut short */
	{
		sts_token_claims c;
		assert_int_equal(sts_token_claims_from_json(NULL, 0, &c, NULL), -1);
	}
}

/* Seals |len| bytes of |payload| with the fixture's current key for AKID and opens it. */
static int open_sealed(const sts_keyring *ring, const void *payload, size_t len, char *msg,
		       size_t cap)
{
	static const unsigned char nonce[STS_NONCE_LEN] = { 1, 2, 3 };
	sts_token_claims out;
	sts_error err;
	char *token = NULL;
	int rc;

	assert_int_equal(sts_token_seal(ring, sts_keyring_current_key(ring), AKID, nonce, payload,
					len, &token, &err),
			 0);
	rc = sts_token_open(ring, token, AKID, SECRET, TF_NOW, &out, &err);
	snprintf(msg, cap, "%s", rc < 0 ? err.msg : "");
	sts_token_claims_free(&out);
	free(token);
	return rc;
}

static void test_authentic_but_wrong(void **state)
{
	sts_keyring *ring = tf_ring();
	sts_token_claims c;
	unsigned char *payload;
	char json[2048], msg[800];
	sts_error err;
	size_t len;

	(void)state;
	tf_claims(&c, TF_NOW);
	payload = sts_token_payload_build(&c, AKID, SECRET, &len, &err);
	assert_non_null(payload);
	assert_int_equal(open_sealed(ring, payload, len, msg, sizeof(msg)), 0);
	/* Cut short: a token always carries the credential and the claims. */
	assert_int_equal(open_sealed(ring, payload, 40, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "shorter than"));
	free(payload);
	/* The access key id inside must be the one it was sealed for. */
	payload = sts_token_payload_build(&c, "ASIAZZZZZZZZZZZZZZZZ", SECRET, &len, &err);
	assert_non_null(payload);
	assert_int_equal(open_sealed(ring, payload, len, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "another access key id"));
	free(payload);
	/* The payload of format version 1 (JSON) is not one of version 2. */
	snprintf(json, sizeof(json), BASE,
		 ",\"access_key_id\":\"" AKID "\",\"secret_access_key\":\"" SECRET "\"");
	assert_int_equal(open_sealed(ring, json, strlen(json), msg, sizeof(msg)), -1);
	assert_null(strstr(msg, SECRET));
	assert_int_equal(open_sealed(ring, "not json", 8, msg, sizeof(msg)), -1);
	assert_null(strstr(msg, SECRET));
	sts_token_claims_free(&c);
	sts_keyring_free(ring);
}

static void test_payload_shape(void **state)
{
	sts_token_claims c, back;
	char akid[STS_ACCESS_KEY_ID_LEN + 1], secret[STS_SECRET_KEY_LEN + 1];
	sts_error err;
	size_t len = 0;
	unsigned char *payload;

	(void)state;
	tf_claims(&c, TF_NOW);
	payload = sts_token_payload_build(&c, AKID, SECRET, &len, &err);
	assert_non_null(payload);
	/* The credential first, then the flags (MFA present) and the times. */
	assert_memory_equal(payload, AKID SECRET, 60);
	assert_int_equal(payload[60], 1);
	assert_memory_equal(payload + 61 + 8, "\0\0\0\0\x6b\x49\xd2\x00", 8); /* TF_NOW */
	/* The policy texts as they are, not as JSON strings. */
	assert_non_null(memmem(payload, len, c.identity[1].text, strlen(c.identity[1].text)));
	assert_int_equal(sts_token_payload_parse(payload, len, &back, akid, secret, &err), 0);
	assert_string_equal(akid, AKID);
	assert_string_equal(secret, SECRET);
	tf_assert_claims_equal(&c, &back);
	sts_token_claims_free(&back);
	free(payload);
	sts_token_claims_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_base_and_credential),
		cmocka_unit_test(test_json_strict),
		cmocka_unit_test(test_authentic_but_wrong),
		cmocka_unit_test(test_payload_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
