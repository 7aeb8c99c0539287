/*
 * The sealed session token: round trip, every refusal (secret, access key
 * id, any altered byte, truncation, expiry, unknown key, format version),
 * the shapes of access key ids and secrets, and strict parsing of the
 * payload.
 *
 * `test_token mint ...` is the test-only minter of the token CLI suite
 * (token_fixture.h); without arguments this is the cmocka suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"
#include "testutil.h"
#include "token_fixture.h"

static sts_keyring *ring;

static int setup(void **state)
{
	(void)state;
	ring = tf_ring();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sts_keyring_free(ring);
	return 0;
}

static void mint(const sts_token_claims *c, sts_credentials *cr)
{
	sts_error err;

	if (sts_token_mint(ring, c, cr, &err) < 0)
		fail_msg("mint: %s", err.msg);
}

/* Opens |token| with |cr|'s key id and secret at |now|: 0 or -1, error in |msg|. */
static int open_with(const char *token, const sts_credentials *cr, int64_t now, char *msg,
		     size_t cap)
{
	sts_token_claims out;
	sts_error err;
	int rc = sts_token_open(ring, token, cr->access_key_id, cr->secret_access_key, now, &out,
				&err);

	snprintf(msg, cap, "%s", rc < 0 ? err.msg : "");
	sts_token_claims_free(&out);
	return rc;
}

static bool all_in(const char *s, const char *alphabet)
{
	return strspn(s, alphabet) == strlen(s);
}

static void test_round_trip(void **state)
{
	sts_token_claims c, out;
	sts_credentials cr;
	sts_error err;

	(void)state;
	tf_claims(&c, TF_NOW);
	mint(&c, &cr);
	assert_int_equal(strlen(cr.access_key_id), 20);
	assert_int_equal(strlen(cr.secret_access_key), 40);
	assert_int_equal(cr.expiration, TF_NOW + 3600);
	assert_int_equal(sts_token_open(ring, cr.session_token, cr.access_key_id,
					cr.secret_access_key, TF_NOW + 10, &out, &err),
			 0);
	tf_assert_claims_equal(&c, &out);
	sts_token_claims_free(&out);
	/* Root tools may skip the secret. */
	assert_int_equal(sts_token_open(ring, cr.session_token, cr.access_key_id, NULL, TF_NOW,
					&out, &err),
			 0);
	tf_assert_claims_equal(&c, &out);
	sts_token_claims_free(&out);
	sts_credentials_clear(&cr);
	assert_null(cr.session_token);
	assert_int_equal(cr.secret_access_key[0], 0);
	sts_token_claims_free(&c);
}

/* Optional parts absent, and the other operations. */
static void test_round_trip_variants(void **state)
{
	static const char *const ops[] = { "GetSessionToken", "GetFederationToken" };
	sts_token_claims c, out;
	sts_credentials cr;
	sts_error err;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		tf_claims(&c, TF_NOW);
		free(c.operation);
		c.operation = strdup(ops[i]);
		free(c.source_ip);
		c.source_ip = NULL;
		c.mfa_present = false;
		c.mfa_time = 0;
		c.no_permissions = i == 1;
		if (i == 0)
			c.userid = strdup("1000");
		if (i == 1) { /* federated without a session policy */
			for (size_t j = 0; j < c.n_session; j++) {
				free(c.session[j].name);
				free(c.session[j].text);
			}
			free(c.session);
			c.session = NULL;
			c.n_session = 0;
		}
		mint(&c, &cr);
		assert_int_equal(sts_token_open(ring, cr.session_token, cr.access_key_id,
						cr.secret_access_key, TF_NOW, &out, &err),
				 0);
		tf_assert_claims_equal(&c, &out);
		assert_null(out.source_ip);
		sts_token_claims_free(&out);
		sts_credentials_clear(&cr);
		sts_token_claims_free(&c);
	}
}

static void test_wrong_secret_or_key_id(void **state)
{
	sts_token_claims c;
	sts_credentials cr, other;
	char msg[800];

	(void)state;
	tf_claims(&c, TF_NOW);
	mint(&c, &cr);
	other = cr;
	other.secret_access_key[7] = other.secret_access_key[7] == 'A' ? 'B' : 'A';
	assert_int_equal(open_with(cr.session_token, &other, TF_NOW, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "secret access key"));
	other.secret_access_key[39] = '\0'; /* shorter */
	assert_int_equal(open_with(cr.session_token, &other, TF_NOW, msg, sizeof(msg)), -1);
	/* Another well-formed access key id: the AAD differs, so the tag fails. */
	other = cr;
	other.access_key_id[19] = other.access_key_id[19] == 'A' ? 'B' : 'A';
	assert_int_equal(open_with(cr.session_token, &other, TF_NOW, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "not authentic"));
	assert_null(strstr(msg, cr.secret_access_key));
	/* Malformed access key ids are refused before any decryption. */
	memcpy(other.access_key_id, "AKIA", 4);
	assert_int_equal(open_with(cr.session_token, &other, TF_NOW, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "access key id"));
	other = cr;
	other.access_key_id[10] = '1'; /* not base32 */
	assert_int_equal(open_with(cr.session_token, &other, TF_NOW, msg, sizeof(msg)), -1);
	sts_credentials_clear(&cr);
	sts_token_claims_free(&c);
}

/* Every single-bit change anywhere in the sealed bytes is refused. */
static void test_tamper_every_byte(void **state)
{
	sts_token_claims c;
	sts_credentials cr;
	unsigned char *bin;
	char *text, msg[800];
	long n;

	(void)state;
	tf_claims(&c, TF_NOW);
	mint(&c, &cr);
	bin = malloc(strlen(cr.session_token));
	text = malloc(strlen(cr.session_token) + 8);
	assert_non_null(bin);
	assert_non_null(text);
	n = sts_b64_decode(cr.session_token, strlen(cr.session_token), bin);
	assert_true(n > STS_TOKEN_HEADER_LEN + STS_TAG_LEN);
	assert_int_equal(bin[0], STS_TOKEN_VERSION);
	for (long i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			bin[i] ^= (unsigned char)(1u << bit);
			EVP_EncodeBlock((unsigned char *)text, bin, (int)n);
			if (open_with(text, &cr, TF_NOW, msg, sizeof(msg)) == 0)
				fail_msg("byte %ld bit %d changed, still accepted", i, bit);
			if (i == 0)
				assert_non_null(strstr(msg, "version"));
			else if (i <= STS_KEY_ID_RAW)
				assert_non_null(strstr(msg, "key id"));
			else
				assert_non_null(strstr(msg, "not authentic"));
			bin[i] ^= (unsigned char)(1u << bit);
		}
	}
	/* The format before this one, by name (the version is read before the key id). */
	bin[0] = 1;
	EVP_EncodeBlock((unsigned char *)text, bin, (int)n);
	assert_int_equal(open_with(text, &cr, TF_NOW, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "format version 1, not 2"));
	bin[0] = STS_TOKEN_VERSION;
	EVP_EncodeBlock((unsigned char *)text, bin, (int)n);
	assert_int_equal(open_with(text, &cr, TF_NOW, msg, sizeof(msg)), 0); /* restored */
	free(bin);
	free(text);
	sts_credentials_clear(&cr);
	sts_token_claims_free(&c);
}

static void test_truncated_or_extended(void **state)
{
	sts_token_claims c;
	sts_credentials cr;
	size_t len;
	char *text, msg[800];

	(void)state;
	tf_claims(&c, TF_NOW);
	mint(&c, &cr);
	len = strlen(cr.session_token);
	text = malloc(len + 16);
	assert_non_null(text);
	for (size_t cut = 0; cut < len; cut++) {
		memcpy(text, cr.session_token, cut);
		text[cut] = '\0';
		if (open_with(text, &cr, TF_NOW, msg, sizeof(msg)) == 0)
			fail_msg("truncated to %zu characters, still accepted", cut);
	}
	snprintf(text, len + 16, "%sAAAA", cr.session_token);
	assert_int_equal(open_with(text, &cr, TF_NOW, msg, sizeof(msg)), -1);
	snprintf(text, len + 16, "%s\n", cr.session_token);
	assert_int_equal(open_with(text, &cr, TF_NOW, msg, sizeof(msg)), -1);
	snprintf(text, len + 16, " %s", cr.session_token);
	assert_int_equal(open_with(text, &cr, TF_NOW, msg, sizeof(msg)), -1);
	free(text);
	sts_credentials_clear(&cr);
	sts_token_claims_free(&c);
}

static void test_expiry(void **state)
{
	sts_token_claims c;
	sts_credentials cr;
	char msg[800];

	(void)state;
	tf_claims(&c, TF_NOW);
	mint(&c, &cr);
	assert_int_equal(open_with(cr.session_token, &cr, TF_NOW + 3599, msg, sizeof(msg)), 0);
	assert_int_equal(open_with(cr.session_token, &cr, TF_NOW + 3600, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "expired at 2027-01-15T09:00:00Z"));
	assert_int_equal(open_with(cr.session_token, &cr, TF_NOW + 999999, msg, sizeof(msg)), -1);
	/* Issued in the future: a little clock skew is tolerated, more is not. */
	assert_int_equal(open_with(cr.session_token, &cr, TF_NOW - 300, msg, sizeof(msg)), 0);
	assert_int_equal(open_with(cr.session_token, &cr, TF_NOW - 301, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "future"));
	sts_credentials_clear(&cr);
	sts_token_claims_free(&c);
}

static void test_unknown_and_old_keys(void **state)
{
	static const char other_text[] =
		"pam_sts-keyring v1\n"
		"key 12345678 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	static const char newer_text[] =
		"pam_sts-keyring v1\n"
		"key feedbeef MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"
		"key 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	sts_keyring *other = NULL, *newer = NULL;
	sts_token_claims c, out;
	sts_credentials cr;
	sts_error err;

	(void)state;
	assert_int_equal(sts_keyring_parse(other_text, strlen(other_text), "o", &other, &err), 0);
	assert_int_equal(sts_keyring_parse(newer_text, strlen(newer_text), "n", &newer, &err), 0);
	tf_claims(&c, TF_NOW);
	mint(&c, &cr);
	/* Same key bytes under another id: the id is what is looked up. */
	assert_int_equal(sts_token_open(other, cr.session_token, cr.access_key_id,
					cr.secret_access_key, TF_NOW, &out, &err),
			 -1);
	assert_non_null(strstr(err.msg, "key id 0a1b2c3d"));
	/* A ring rotated since: the old key still opens it. */
	assert_string_equal(sts_keyring_current_id(newer), "feedbeef");
	assert_int_equal(sts_token_open(newer, cr.session_token, cr.access_key_id,
					cr.secret_access_key, TF_NOW, &out, &err),
			 0);
	sts_token_claims_free(&out);
	sts_keyring_free(other);
	sts_keyring_free(newer);
	sts_credentials_clear(&cr);
	sts_token_claims_free(&c);
}

static void test_size_bounds(void **state)
{
	sts_token_claims c;
	sts_credentials cr;
	sts_error err;
	char *big, msg[800];

	(void)state;
	tf_claims(&c, TF_NOW);
	mint(&c, &cr);
	big = malloc(STS_TOKEN_TEXT_MAX + 8);
	assert_non_null(big);
	memset(big, 'A', STS_TOKEN_TEXT_MAX + 4);
	big[STS_TOKEN_TEXT_MAX + 4] = '\0';
	assert_int_equal(open_with(big, &cr, TF_NOW, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "longer than"));
	/* A scope too large for a token is refused at minting. */
	memset(big, ' ', STS_TOKEN_TEXT_MAX);
	big[0] = '{';
	big[STS_TOKEN_TEXT_MAX - 1] = '}';
	big[STS_TOKEN_TEXT_MAX] = '\0';
	free(c.identity[0].text);
	c.identity[0].text = big;
	sts_credentials_clear(&cr);
	assert_int_equal(sts_token_mint(ring, &c, &cr, &err), -1);
	assert_non_null(strstr(err.msg, "longer than"));
	assert_null(cr.session_token);
	sts_token_claims_free(&c);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1000 mints: shapes, uniqueness, and every character of each alphabet used. */
static void test_credential_shapes(void **state)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	enum {
		N = 1000
	};
	char **ids = calloc(N, sizeof(char *)), **secrets = calloc(N, sizeof(char *));
	unsigned seen_id[256] = { 0 }, seen_secret[256] = { 0 };
	sts_token_claims c;

	(void)state;
	assert_non_null(ids);
	assert_non_null(secrets);
	tf_claims(&c, TF_NOW);
	for (int i = 0; i < N; i++) {
		sts_credentials cr;
		mint(&c, &cr);
		assert_int_equal(strlen(cr.access_key_id), 20);
		assert_memory_equal(cr.access_key_id, "ASIA", 4);
		assert_true(all_in(cr.access_key_id + 4, b32));
		assert_int_equal(strlen(cr.secret_access_key), 40);
		assert_true(all_in(cr.secret_access_key, b64));
		for (int j = 4; j < 20; j++)
			seen_id[(unsigned char)cr.access_key_id[j]]++;
		for (int j = 0; j < 40; j++)
			seen_secret[(unsigned char)cr.secret_access_key[j]]++;
		ids[i] = strdup(cr.access_key_id);
		secrets[i] = strdup(cr.secret_access_key);
		sts_credentials_clear(&cr);
	}
	qsort(ids, N, sizeof(char *), cmp_str);
	qsort(secrets, N, sizeof(char *), cmp_str);
	for (int i = 1; i < N; i++) {
		assert_string_not_equal(ids[i - 1], ids[i]);
		assert_string_not_equal(secrets[i - 1], secrets[i]);
	}
	/* 16000 and 40000 draws: each character is expected 500 and 625 times. */
	for (const char *p = b32; *p; p++)
		assert_in_range(seen_id[(unsigned char)*p], 300, 700);
	for (const char *p = b64; *p; p++)
		assert_in_range(seen_secret[(unsigned char)*p], 400, 850);
	for (int i = 0; i < N; i++) {
		free(ids[i]);
		free(secrets[i]);
	}
	free(ids);
	free(secrets);
	sts_token_claims_free(&c);
}

/* Claims the issuer would produce wrongly are refused at minting. */
static void test_mint_refuses_bad_claims(void **state)
{
	sts_token_claims c;
	sts_credentials cr;
	sts_error err;

	(void)state;
	for (int k = 0; k < 8; k++) {
		tf_claims(&c, TF_NOW);
		switch (k) {
		case 0:
			free(c.operation);
			c.operation = strdup("Unknown");
			break;
		case 1:
			c.expires = c.issued - 1;
			break;
		case 2:
			c.expires = c.issued + 129601;
			break;
		case 3:
			c.mfa_time = 0;
			break;
		case 4:
			c.mfa_present = false;
			break;
		case 5:
			c.principal_arn[3] = '\n';
			break;
		case 6:
			free(c.source_identity);
			c.source_identity = NULL;
			break;
		default:
			c.identity[1].name[0] = '\0';
			break;
		}
		if (sts_token_mint(ring, &c, &cr, &err) == 0)
			fail_msg("case %d: minted", k);
		assert_null(cr.session_token);
		sts_token_claims_free(&c);
	}
}

#define AKID   "ASIAABCDEFGHIJKLMNOP"
#define SECRET "abcdefghijABCDEFGHIJ0123456789+/abcdefgh"

/* Parses |len| bytes of |p|: 0 or -1, error in |msg|; what parses must
 * encode back to the same bytes (one encoding per set of claims). */
static int parse_payload(const unsigned char *p, size_t len, char *msg, size_t cap)
{
	char akid[STS_ACCESS_KEY_ID_LEN + 1], secret[STS_SECRET_KEY_LEN + 1];
	sts_token_claims c;
	sts_error err;
	unsigned char *again;
	size_t n = 0;
	int rc = sts_token_payload_parse(p, len, &c, akid, secret, &err);

	snprintf(msg, cap, "%s", rc < 0 ? err.msg : "");
	if (rc == 0) {
		again = sts_token_payload_build(&c, akid, secret, &n, &err);
		assert_non_null(again);
		assert_int_equal(n, len);
		assert_memory_equal(again, p, len);
		free(again);
	}
	assert_null(strstr(msg, SECRET));
	sts_token_claims_free(&c);
	return rc;
}

/* Every cut is refused; every changed byte is refused or reads as other
 * claims that encode to exactly those bytes; and each kind of fault by name. */
static void test_payload_strict(void **state)
{
	enum {
		FLAGS,
		SECRET_CHAR,
		OPERATION_LEN,
		ID_COUNT,
		ID_NAME_LEN,
		ID_TEXT_CHAR,
		END
	};
	static const struct {
		int where, width; /* bytes written, big-endian */
		uint32_t value;
		const char *msg; /* "": accepted */
	} faults[] = {
		{ FLAGS, 1, 0x81, "unknown flags 0x81" },
		{ FLAGS, 1, 0, "mfa_time" },
		{ FLAGS, 1, 3, "" }, /* no permissions */
		{ SECRET_CHAR, 1, '-', "secret access key malformed" },
		{ OPERATION_LEN, 4, 0, "operation: empty" },
		{ OPERATION_LEN, 4, 0xffffffff, "operation: 4294967295 bytes long" },
		{ ID_COUNT, 4, 257, "identity: 257 documents" },
		{ ID_COUNT, 4, 0x7fffffff, "documents" },
		{ ID_COUNT, 4, 0, "session[0] name" }, /* read where the identity names are */
		{ ID_NAME_LEN, 4, 0, "identity[0] name: empty" },
		{ ID_TEXT_CHAR, 1, 0, "identity[0] text: holds a NUL byte" },
		{ END, 1, 0, "1 bytes after the last document" },
	};
	size_t len, off[END + 1];
	sts_token_claims c;
	sts_error err;
	unsigned char *p, *q;
	char msg[800];

	(void)state;
	tf_claims(&c, TF_NOW);
	p = sts_token_payload_build(&c, AKID, SECRET, &len, &err);
	q = malloc(len + 1);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(parse_payload(p, len, msg, sizeof(msg)), 0);
	for (size_t cut = 0; cut < len; cut++)
		if (parse_payload(p, cut, msg, sizeof(msg)) == 0)
			fail_msg("payload cut to %zu of %zu bytes, still parsed", cut, len);
	for (size_t i = 0; i < len * 8; i++) {
		memcpy(q, p, len);
		q[i / 8] ^= (unsigned char)(1u << (i % 8));
		(void)parse_payload(q, len, msg, sizeof(msg));
	}
	/* Offsets: the layout in token_internal.h (five strings before the documents). */
	off[FLAGS] = 60;
	off[SECRET_CHAR] = 27;
	off[OPERATION_LEN] = 85;
	off[ID_COUNT] = 85 + 5 * 4 + strlen(c.operation) + strlen(c.principal_arn) +
			strlen(c.source_identity) + (c.source_ip ? strlen(c.source_ip) : 0) +
			(c.userid ? strlen(c.userid) : 0);
	off[ID_NAME_LEN] = off[ID_COUNT] + 4;
	off[ID_TEXT_CHAR] = off[ID_NAME_LEN] + 4 + strlen(c.identity[0].name) + 4 + 3;
	off[END] = len;
	for (size_t k = 0; k < sizeof(faults) / sizeof(faults[0]); k++) {
		memcpy(q, p, len);
		for (int b = 0; b < faults[k].width; b++)
			q[off[faults[k].where] + (size_t)b] =
				(unsigned char)(faults[k].value >> 8 * (faults[k].width - 1 - b));
		if ((parse_payload(q, len + (faults[k].where == END), msg, sizeof(msg)) == 0) !=
			    !faults[k].msg[0] ||
		    !strstr(msg, faults[k].msg))
			fail_msg("fault %zu: \"%s\"", k, msg);
	}
	free(q);
	free(p);
	sts_token_claims_free(&c);
}

static void test_iso8601(void **state)
{
	char buf[32];

	(void)state;
	sts_format_iso8601(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	sts_format_iso8601(TF_NOW, buf, sizeof(buf));
	assert_string_equal(buf, "2027-01-15T08:00:00Z");
	sts_format_iso8601(-1, buf, sizeof(buf));
	assert_string_equal(buf, "");
	sts_format_iso8601(TF_NOW, buf, 10); /* too small: empty, not cut */
	assert_string_equal(buf, "");
}

static void test_base64_strict(void **state)
{
	unsigned char out[16];

	(void)state;
	assert_int_equal(sts_b64_decode("QUJD", 4, out), 3);
	assert_memory_equal(out, "ABC", 3);
	assert_int_equal(sts_b64_decode("QUI=", 4, out), 2);
	assert_int_equal(sts_b64_decode("QQ==", 4, out), 1);
	assert_int_equal(sts_b64_decode("QR==", 4, out), -1); /* non-canonical */
	assert_int_equal(sts_b64_decode("QUJ=", 4, out), -1);
	assert_int_equal(sts_b64_decode("QQ=", 3, out), -1);
	assert_int_equal(sts_b64_decode("Q Q=", 4, out), -1);
	assert_int_equal(sts_b64_decode("Q=QQ", 4, out), -1);
	assert_int_equal(sts_b64_decode("QQ-_", 4, out), -1); /* URL alphabet */
	assert_int_equal(sts_b64_decode("", 0, out), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_variants),
		cmocka_unit_test(test_wrong_secret_or_key_id),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_truncated_or_extended),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_unknown_and_old_keys),
		cmocka_unit_test(test_size_bounds),
		cmocka_unit_test(test_credential_shapes),
		cmocka_unit_test(test_mint_refuses_bad_claims),
		cmocka_unit_test(test_payload_strict),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_base64_strict),
	};

	if (argc > 1 && strcmp(argv[1], "mint") == 0)
		return tf_mint_tool(argc - 1, argv + 1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
