/* sshd-style "key = value" configuration, parsed strictly from a table. */
#include "base/kv_reader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/fileio.h"
#include "base/parse.h"

#define CONFIG_FILE_MAX (256u * 1024u)
#define CONFIG_LINE_MAX 4096
#define CONFIG_KEYS_MAX 64

static const sts_config_key *find_key(const sts_config_key *table, const char *key, size_t *index)
{
	for (size_t i = 0; table[i].key; i++) {
		if (strcmp(table[i].key, key) == 0) {
			*index = i;
			return &table[i];
		}
	}
	return NULL;
}

static int parse_bool(const char *value, bool *out)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
		*out = true;
	else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int store_text(const char *value, void *slot)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*(char **)slot);
	*(char **)slot = copy;
	return 0;
}

/* Stores |value| for |k|; returns a description of the expected form on error. */
static const char *store(const sts_config_key *k, const char *value, void *target)
{
	void *slot = (char *)target + k->offset;

	switch (k->type) {
	case CFG_STRING:
		return store_text(value, slot) < 0 ? "out of memory" : NULL;
	case CFG_PATH_OFF:
		if (value[0] == '\0')
			return store_text(value, slot) < 0 ? "out of memory" : NULL;
		/* fall through */
	case CFG_PATH:
		if (value[0] != '/')
			return "an absolute path";
		return store_text(value, slot) < 0 ? "out of memory" : NULL;
	case CFG_UINT:
		return sts_parse_uint(value, k->min, k->max, (unsigned long *)slot) < 0 ?
			       "a number in range" :
			       NULL;
	case CFG_BOOL:
		return parse_bool(value, (bool *)slot) < 0 ? "yes or no" : NULL;
	case CFG_ENUM:
		for (int i = 0; k->choices[i]; i++) {
			if (strcmp(k->choices[i], value) == 0) {
				*(int *)slot = i;
				return NULL;
			}
		}
		return "one of the documented choices";
	}
	return "a supported value";
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int parse_line(char *line, unsigned lineno, const char *name, const sts_config_key *table,
		      void *target, bool seen[CONFIG_KEYS_MAX], sts_error *err)
{
	char *eq, *key, *value;
	const sts_config_key *k;
	const char *want;
	size_t index = 0;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq)
		return sts_error_set(err, "%s:%u: expected \"key = value\"", name, lineno);
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	k = find_key(table, key, &index);
	if (!k)
		return sts_error_set(err, "%s:%u: unknown key \"%.64s\"", name, lineno, key);
	if (index < CONFIG_KEYS_MAX && seen[index])
		return sts_error_set(err, "%s:%u: \"%s\" is set twice", name, lineno, key);
	if (index < CONFIG_KEYS_MAX)
		seen[index] = true;
	if (*value == '\0' && k->type != CFG_PATH_OFF)
		return sts_error_set(err, "%s:%u: \"%s\" has no value", name, lineno, key);
	want = store(k, value, target);
	if (want)
		return sts_error_set(err, "%s:%u: bad value for \"%s\" (expected %s)", name, lineno,
				     key, want);
	return 0;
}

int sts_config_parse(const char *text, size_t len, const char *name, const sts_config_key *table,
		     void *target, sts_error *err)
{
	bool seen[CONFIG_KEYS_MAX] = { false };
	char line[CONFIG_LINE_MAX];
	unsigned lineno = 0;
	size_t pos = 0;
	int rc;

	if (memchr(text, '\0', len))
		return sts_error_set(err, "%s: contains a NUL byte", name);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (n >= sizeof(line))
			return sts_error_set(err, "%s:%u: line too long", name, lineno);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		rc = parse_line(line, lineno, name, table, target, seen, err);
		/* Lines may hold secrets (the MFA store uses this format too). */
		explicit_bzero(line, sizeof(line));
		if (rc < 0)
			return -1;
		pos += n + (nl ? 1 : 0);
	}
	return 0;
}

int sts_config_load(const char *path, bool trusted_owner, const sts_config_key *table, void *target,
		    sts_error *err)
{
	unsigned flags = STS_READ_NOFOLLOW;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (trusted_owner)
		flags |= STS_READ_ROOT_OWNED | STS_READ_NOT_WRITABLE;
	if (sts_read_file(path, CONFIG_FILE_MAX, flags, &text, &len, err) < 0)
		return -1;
	rc = sts_config_parse(text, len, path, table, target, err);
	free(text);
	return rc;
}
