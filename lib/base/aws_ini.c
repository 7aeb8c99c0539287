/* The AWS shared-credentials file's INI, read strictly (base/aws_ini.h). */
#include "base/aws_ini.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	const char *const *keys;
	const char **values;
	size_t *lens;
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

/* "key = value": kept when it is one of the asked keys in the chosen section. */
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
	for (size_t k = 0; st->keys[k]; k++) {
		/* Key names are case-insensitive, as for the SDKs' INI reader. */
		if (klen != strlen(st->keys[k]) || strncasecmp(key, st->keys[k], klen) != 0)
			continue;
		if (st->values[k])
			return sts_error_set(err, "%s: line %u: %s given twice in [%s]", st->label,
					     st->lineno, st->keys[k], st->profile);
		st->values[k] = val;
		st->lens[k] = vlen;
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

int sts_aws_ini_profile(const char *text, size_t len, const char *label, const char *profile,
			const char *const *keys, const char **values, size_t *lens, sts_error *err)
{
	ini_state st;
	size_t off = 0;
	int rc = 0;

	memset(&st, 0, sizeof(st));
	st.label = label;
	st.profile = profile && *profile ? profile : "default";
	st.keys = keys;
	st.values = values;
	st.lens = lens;
	for (size_t k = 0; keys[k]; k++) {
		values[k] = NULL;
		lens[k] = 0;
	}
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
		rc = STS_AWS_INI_NO_SECTION;
	}
	for (size_t i = 0; i < st.nsections; i++)
		free(st.sections[i]);
	free(st.sections);
	return rc;
}
