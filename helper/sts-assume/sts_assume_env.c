/* sts-assume's sanitized environment: nothing of the caller's that could
 * steer the loader, the shell or a library (LD_*, IFS, ENV, BASH_ENV, ...)
 * survives, because only a short allow-list is copied. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts_assume_env.h"

#define SAFE_PATH "/usr/local/bin:/usr/bin:/bin"
#define MAX_VARS  512

static const char *const kept_names[] = { "TERM", "LANG", "LANGUAGE", "COLORTERM", NULL };

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Whether the caller's NAME=value may pass into the command's environment. */
static bool keep(const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t nlen = eq ? (size_t)(eq - entry) : 0;

	if (!eq || !printable(entry) || strlen(entry) > 1024)
		return false;
	for (size_t i = 0; kept_names[i]; i++)
		if (strlen(kept_names[i]) == nlen && strncmp(entry, kept_names[i], nlen) == 0)
			return !strchr(eq + 1, '/');
	if (strncmp(entry, "LC_", 3) == 0)
		return !strchr(eq + 1, '/');
	/* TZ may name a zone (Europe/Paris) but not a file of the caller's. */
	if (nlen == 2 && strncmp(entry, "TZ", 2) == 0)
		return eq[1] != '/' && !strstr(eq + 1, "..");
	return false;
}

static int add(char **env, size_t *n, const char *name, const char *value)
{
	if (*n + 1 >= MAX_VARS)
		return -1;
	if (value) {
		if (asprintf(&env[*n], "%s=%s", name, value) < 0)
			return -1;
	} else {
		env[*n] = strdup(name); /* already NAME=value */
		if (!env[*n])
			return -1;
	}
	(*n)++;
	return 0;
}

/* Replaces an existing NAME= entry or adds the new one. */
static int set_entry(char **env, size_t *n, const char *entry)
{
	size_t nlen = (size_t)(strchr(entry, '=') - entry);

	for (size_t i = 0; i < *n; i++)
		if (strncmp(env[i], entry, nlen + 1) == 0) {
			char *copy = strdup(entry);

			if (!copy)
				return -1;
			free(env[i]);
			env[i] = copy;
			return 0;
		}
	return add(env, n, entry, NULL);
}

char **sts_assume_environment(const struct passwd *pw, char *const *caller_env, pam_handle_t *pamh)
{
	char **env = calloc(MAX_VARS, sizeof(*env)), **pam_env;
	size_t n = 0;
	int rc = 0;

	if (!env)
		return NULL;
	rc |= add(env, &n, "PATH", SAFE_PATH);
	rc |= add(env, &n, "HOME", pw->pw_dir);
	rc |= add(env, &n, "SHELL", pw->pw_shell);
	rc |= add(env, &n, "USER", pw->pw_name);
	rc |= add(env, &n, "LOGNAME", pw->pw_name);
	for (size_t i = 0; caller_env && caller_env[i] && rc == 0; i++)
		if (keep(caller_env[i]))
			rc |= add(env, &n, caller_env[i], NULL);
	pam_env = pam_getenvlist(pamh);
	for (size_t i = 0; pam_env && pam_env[i]; i++) {
		if (rc == 0 && strchr(pam_env[i], '=') && strncmp(pam_env[i], "PAM_STS_", 8) != 0)
			rc |= set_entry(env, &n, pam_env[i]);
		free(pam_env[i]);
	}
	free(pam_env);
	if (rc != 0) {
		sts_assume_free_environment(env);
		return NULL;
	}
	return env;
}

void sts_assume_free_environment(char **env)
{
	if (!env)
		return;
	for (size_t i = 0; env[i]; i++) {
		explicit_bzero(env[i], strlen(env[i])); /* it holds the secret key */
		free(env[i]);
	}
	free(env);
}
