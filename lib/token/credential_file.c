/*
 * Presented credentials: the AWS environment variables, the AWS shared
 * credentials file (the subset of INI the SDKs and our session files
 * use), and their verification against the key ring.
 */
#include "token/credential.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "base/fileio.h"
#include "token/token_internal.h"

enum {
	K_AKID,
	K_SECRET,
	K_TOKEN,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"aws_access_key_id",
	"aws_secret_access_key",
	"aws_session_token",
};

/* The three values, as found (pointers into the caller's text or the
 * environment), with their lengths. */
typedef struct {
	const char *v[K_COUNT];
	size_t len[K_COUNT];
} found_values;

/* Copies the found values into |out|: STS_CREDENTIALS_FOREIGN when they
 * cannot be ours, -1 when one is missing. Names in |names| (for messages). */
static int fill(const found_values *f, const char *where, const char *const names[K_COUNT],
		sts_credentials *out, sts_error *err)
{
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < K_COUNT; k++)
		if (!f->v[k] || f->len[k] == 0)
			return sts_error_set(err, "%s: %s is missing", where, names[k]);
	if (f->len[K_AKID] != STS_ACCESS_KEY_ID_LEN || f->len[K_SECRET] != STS_SECRET_KEY_LEN ||
	    f->len[K_TOKEN] > STS_TOKEN_TEXT_MAX) {
		sts_error_set(err,
			      "%s: not a pam_sts credential (access key id of %zu characters, "
			      "secret of %zu, session token of %zu)",
			      where, f->len[K_AKID], f->len[K_SECRET], f->len[K_TOKEN]);
		return STS_CREDENTIALS_FOREIGN;
	}
	memcpy(out->access_key_id, f->v[K_AKID], STS_ACCESS_KEY_ID_LEN);
	memcpy(out->secret_access_key, f->v[K_SECRET], STS_SECRET_KEY_LEN);
	out->session_token = strndup(f->v[K_TOKEN], f->len[K_TOKEN]);
	if (!out->session_token) {
		sts_credentials_clear(out);
		return sts_error_set(err, "%s: out of memory", where);
	}
	return 0;
}

int sts_credentials_from_env(sts_credentials *out, sts_error *err)
{
	static const char *const names[K_COUNT] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
						    "AWS_SESSION_TOKEN" };
	found_values f;

	memset(out, 0, sizeof(*out));
	for (int k = 0; k < K_COUNT; k++) {
		f.v[k] = getenv(names[k]);
		f.len[k] = f.v[k] ? strlen(f.v[k]) : 0;
	}
	if (f.len[K_AKID] == 0)
		return STS_CREDENTIALS_NONE;
	return fill(&f, "environment", names, out, err);
}

/* Trims blanks (and a CR before the LF) at both ends of [*s, *s + *len). */
static void trim(const char **s, size_t *len)
{
	while (*len > 0 && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 &&
	       ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r'))
		(*len)--;
}

typedef struct {
	const char *label, *profile;
	unsigned lineno;
	bool in_profile, seen_profile;
	char **sections; /* names seen, for the duplicate check */
	size_t nsections;
	found_values f;
} ini_state;

/* "[name]": enters the section; a name seen before is an error. */
static int ini_section(ini_state *st, const char *line, size_t len, sts_error *err)
{
	const char *name = line + 1;
	size_t nlen = len - 2;
	char **grown, *copy;

	if (line[len - 1] != ']')
		return sts_error_set(err, "%s: line %u: expected \"[name]\"", st->label,
				     st->lineno);
	trim(&name, &nlen);
	if (nlen == 0 || memchr(name, '[', nlen) || memchr(name, ']', nlen))
		return sts_error_set(err, "%s: line %u: bad section name", st->label, st->lineno);
	for (size_t i = 0; i < st->nsections; i++)
		if (strlen(st->sections[i]) == nlen && memcmp(st->sections[i], name, nlen) == 0)
			return sts_error_set(err, "%s: line %u: section [%.*s] appears twice",
					     st->label, st->lineno, (int)(nlen > 64 ? 64 : nlen),
					     name);
	grown = realloc(st->sections, (st->nsections + 1) * sizeof(*grown));
	if (!grown)
		return sts_error_set(err, "%s: out of memory", st->label);
	st->sections = grown;
	if (!(copy = strndup(name, nlen)))
		return sts_error_set(err, "%s: out of memory", st->label);
	st->sections[st->nsections++] = copy;
	st->in_profile = strlen(st->profile) == nlen && memcmp(st->profile, name, nlen) == 0;
	st->seen_profile = st->seen_profile || st->in_profile;
	return 0;
}

/* "key = value": kept when it is one of ours in the chosen section. */
static int ini_pair(ini_state *st, const char *line, size_t len, sts_error *err)
{
	const char *eq = memchr(line, '=', len), *key = line, *val;
	size_t klen, vlen;

	if (!eq || st->nsections == 0)
		return sts_error_set(err, "%s: line %u: expected \"key = value\" inside a section",
				     st->label, st->lineno);
	klen = (size_t)(eq - line);
	val = eq + 1;
	vlen = len - klen - 1;
	trim(&key, &klen);
	trim(&val, &vlen);
	if (klen == 0)
		return sts_error_set(err, "%s: line %u: empty key", st->label, st->lineno);
	if (!st->in_profile)
		return 0;
	for (int k = 0; k < K_COUNT; k++) {
		/* Key names are case-insensitive, as for the SDKs' INI reader. */
		if (klen != strlen(key_names[k]) || strncasecmp(key, key_names[k], klen) != 0)
			continue;
		if (st->f.v[k])
			return sts_error_set(err, "%s: line %u: %s given twice in [%s]", st->label,
					     st->lineno, key_names[k], st->profile);
		st->f.v[k] = val;
		st->f.len[k] = vlen;
	}
	return 0;
}

static int ini_line(ini_state *st, const char *line, size_t len, sts_error *err)
{
	const char *t = line;
	size_t tlen = len;

	trim(&t, &tlen);
	if (tlen == 0 || t[0] == '#' || t[0] == ';')
		return 0;
	if (t != line)
		return sts_error_set(err,
				     "%s: line %u: indented line (continuation lines are not "
				     "supported)",
				     st->label, st->lineno);
	if (t[0] == '[')
		return ini_section(st, t, tlen, err);
	return ini_pair(st, t, tlen, err);
}

int sts_credentials_parse_ini(const char *text, size_t len, const char *label, const char *profile,
			      sts_credentials *out, sts_error *err)
{
	ini_state st;
	size_t off = 0;
	char where[160];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.label = label;
	st.profile = profile && *profile ? profile : "default";
	if (memchr(text, '\0', len))
		return sts_error_set(err, "%s: holds a NUL byte", label);
	while (off < len && rc == 0) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off);
		size_t llen = nl ? (size_t)(nl - line) : len - off;
		st.lineno++;
		rc = ini_line(&st, line, llen, err);
		off += llen + 1;
	}
	if (rc == 0 && !st.seen_profile) {
		sts_error_set(err, "%s: no [%.64s] section", label, st.profile);
		rc = STS_CREDENTIALS_NONE;
	}
	if (rc == 0) {
		sts_fmt(where, sizeof(where), "%s [%.64s]", label, st.profile);
		rc = fill(&st.f, where, key_names, out, err);
	}
	for (size_t i = 0; i < st.nsections; i++)
		free(st.sections[i]);
	free(st.sections);
	return rc;
}

int sts_credentials_from_file(const char *path, const char *profile, sts_credentials *out,
			      sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sts_read_file(path, STS_CREDENTIALS_FILE_MAX, 0, &text, &len, err) < 0)
		return -1;
	rc = sts_credentials_parse_ini(text, len, path, profile, out, err);
	sts_free_secret(text, len);
	return rc;
}

int sts_credentials_verify(const char *keyring_path, const sts_credentials *creds, int64_t now,
			   sts_token_claims *claims, sts_error *err)
{
	sts_keyring *ring = NULL;
	int rc;

	memset(claims, 0, sizeof(*claims));
	if (!creds || !creds->session_token)
		return sts_error_set(err, "credential: incomplete");
	if (sts_keyring_load(keyring_path, &ring, err) < 0)
		return STS_CREDENTIALS_NO_RING;
	rc = sts_token_open(ring, creds->session_token, creds->access_key_id,
			    creds->secret_access_key, now, claims, err);
	sts_keyring_free(ring);
	return rc;
}
