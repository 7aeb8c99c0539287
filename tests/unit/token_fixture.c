/* Token test fixture: a fixed key ring, full claims, and a test-only minter. */
#include "token_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "token/keyring.h"
#include "base/fileio.h"
#include "testutil.h"

const char tf_ring_text[] = "pam_sts-keyring v1\n"
			    "key 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
			    "key 99887766 ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n";

sts_keyring *tf_ring(void)
{
	sts_keyring *ring = NULL;
	sts_error err;

	if (sts_keyring_parse(tf_ring_text, strlen(tf_ring_text), "fixture", &ring, &err) < 0)
		fail_msg("fixture ring: %s", err.msg);
	return ring;
}

static char *tf_dup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static sts_scope_doc *docs(size_t n, const char *const *names, const char *const *texts)
{
	sts_scope_doc *d = calloc(n, sizeof(*d));

	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		d[i].name = tf_dup(names[i]);
		d[i].text = tf_dup(texts[i]);
	}
	return d;
}

void tf_claims(sts_token_claims *c, int64_t now)
{
	static const char *const id_names[] = { "role/UpdateAPP.d/s3.json",
						"role/UpdateAPP.d/logs.json" };
	static const char *const id_texts[] = {
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Read\",\"Effect\":\"Allow\","
		"\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::app/*\"}]}",
		"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":"
		"\"logs:*\",\"Resource\":\"*\",\"Condition\":{\"StringLike\":{\"x\":\"\\\\ \\\" "
		"\\u00e9 \xc3\xa9\"}}}}",
	};
	static const char *const s_names[] = { "session/readonly.json" };
	static const char *const s_texts[] = { "{\"Version\":\"2012-10-17\",\"Statement\":[{"
					       "\"Effect\":\"Allow\",\"Action\":\"s3:Get*\","
					       "\"Resource\":\"*\"}]}" };

	memset(c, 0, sizeof(*c));
	c->operation = tf_dup("AssumeRole");
	c->principal_arn = tf_dup("arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice");
	c->source_identity = tf_dup("alice");
	c->source_ip = tf_dup("203.0.113.5");
	c->mfa_present = true;
	c->mfa_time = now - 60;
	c->issued = now;
	c->expires = now + 3600;
	c->identity = docs(2, id_names, id_texts);
	c->n_identity = 2;
	c->session = docs(1, s_names, s_texts);
	c->n_session = 1;
}

static void assert_str_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_docs_equal(const sts_scope_doc *a, size_t na, const sts_scope_doc *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_string_equal(a[i].text, b[i].text);
	}
}

void tf_assert_claims_equal(const sts_token_claims *a, const sts_token_claims *b)
{
	assert_string_equal(a->operation, b->operation);
	assert_string_equal(a->principal_arn, b->principal_arn);
	assert_string_equal(a->source_identity, b->source_identity);
	assert_str_or_null(a->source_ip, b->source_ip);
	assert_str_or_null(a->userid, b->userid);
	assert_int_equal(a->mfa_present, b->mfa_present);
	assert_int_equal(a->mfa_time, b->mfa_time);
	assert_int_equal(a->issued, b->issued);
	assert_int_equal(a->expires, b->expires);
	assert_int_equal(a->no_permissions, b->no_permissions);
	assert_docs_equal(a->identity, a->n_identity, b->identity, b->n_identity);
	assert_docs_equal(a->session, a->n_session, b->session, b->n_session);
}

/* ---- the test-only minter ------------------------------------------------------------------ */

typedef struct {
	const char *ring, *out, *profile;
	sts_token_claims c;
	bool have_issued, have_expires;
} mint_args;

/* seconds | now | now+N | now-N */
static int parse_time(const char *s, int64_t *out)
{
	int64_t base = 0;
	char *end;
	long long v;

	if (strncmp(s, "now", 3) == 0) {
		base = (int64_t)time(NULL);
		s += 3;
		if (!*s) {
			*out = base;
			return 0;
		}
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return -1;
	*out = base + v;
	return 0;
}

/* NAME=FILE: the document NAME with FILE's text, appended to |docs|. */
static int add_doc(sts_scope_doc **docs, size_t *n, const char *arg)
{
	const char *eq = strchr(arg, '=');
	sts_scope_doc *grown;
	char *text = NULL;
	size_t len = 0;
	sts_error err;

	if (!eq || sts_read_file(eq + 1, 1 << 20, 0, &text, &len, &err) < 0) {
		fprintf(stderr, "mint: %s: %s\n", arg, eq ? err.msg : "expected NAME=FILE");
		return -1;
	}
	grown = realloc(*docs, (*n + 1) * sizeof(**docs));
	if (!grown) {
		free(text);
		return -1;
	}
	*docs = grown;
	grown[*n].name = strndup(arg, (size_t)(eq - arg));
	grown[*n].text = text;
	(*n)++;
	return 0;
}

static int mint_option(mint_args *a, int opt, const char *v)
{
	switch (opt) {
	case 'r':
		a->ring = v;
		return 0;
	case 'o':
		a->out = v;
		return 0;
	case 'p':
		a->profile = v;
		return 0;
	case 'O':
		return (a->c.operation = strdup(v)) ? 0 : -1;
	case 'P':
		return (a->c.principal_arn = strdup(v)) ? 0 : -1;
	case 'u':
		return (a->c.source_identity = strdup(v)) ? 0 : -1;
	case 'i':
		return (a->c.source_ip = strdup(v)) ? 0 : -1;
	case 'm':
		a->c.mfa_present = true;
		return parse_time(v, &a->c.mfa_time);
	case 'I':
		a->have_issued = true;
		return parse_time(v, &a->c.issued);
	case 'E':
		a->have_expires = true;
		return parse_time(v, &a->c.expires);
	case 'd':
		return add_doc(&a->c.identity, &a->c.n_identity, v);
	case 's':
		return add_doc(&a->c.session, &a->c.n_session, v);
	case 'n':
		a->c.no_permissions = true;
		return 0;
	case 'U':
		return (a->c.userid = strdup(v)) ? 0 : -1;
	default:
		return -1;
	}
}

static int mint_parse(mint_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ring", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "profile", required_argument, NULL, 'p' },
		{ "operation", required_argument, NULL, 'O' },
		{ "principal", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'u' },
		{ "ip", required_argument, NULL, 'i' },
		{ "mfa", required_argument, NULL, 'm' },
		{ "issued", required_argument, NULL, 'I' },
		{ "expires", required_argument, NULL, 'E' },
		{ "identity", required_argument, NULL, 'd' },
		{ "session", required_argument, NULL, 's' },
		{ "no-permissions", no_argument, NULL, 'n' },
		{ "userid", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (opt == '?' || mint_option(a, opt, optarg) < 0) {
			fprintf(stderr, "mint: bad option or value\n");
			return -1;
		}
	if (!a->ring || !a->out || !a->have_issued || !a->have_expires) {
		fprintf(stderr, "mint: --ring, --out, --issued and --expires are required\n");
		return -1;
	}
	return 0;
}

static int write_credentials(const char *path, const char *profile, const sts_credentials *cr)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	char expiry[32];

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	sts_format_iso8601(cr->expiration, expiry, sizeof(expiry));
	fprintf(f,
		"[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
		"aws_session_token = %s\nx_security_token_expires = %s\n",
		profile ? profile : "default", cr->access_key_id, cr->secret_access_key,
		cr->session_token, expiry);
	return fclose(f) == 0 ? 0 : -1;
}

int tf_mint_tool(int argc, char **argv)
{
	mint_args a;
	sts_keyring *ring = NULL;
	sts_credentials cr;
	sts_error err;
	int status = 1;

	memset(&a, 0, sizeof(a));
	memset(&cr, 0, sizeof(cr));
	if (mint_parse(&a, argc, argv) < 0)
		goto out;
	if (sts_keyring_load(a.ring, &ring, &err) < 0 ||
	    sts_token_mint(ring, &a.c, &cr, &err) < 0) {
		fprintf(stderr, "mint: %s\n", err.msg);
		goto out;
	}
	if (write_credentials(a.out, a.profile, &cr) < 0) {
		fprintf(stderr, "mint: %s: cannot write\n", a.out);
		goto out;
	}
	status = 0;
out:
	sts_credentials_clear(&cr);
	sts_keyring_free(ring);
	sts_token_claims_free(&a.c);
	return status;
}
