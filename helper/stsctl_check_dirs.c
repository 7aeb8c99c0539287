/*
 * stsctl check: the directories every login needs once the code is
 * consumed. A missing policy_dir or state_dir fails every login closed; so
 * does a runtime_dir the helper cannot create (it makes one level only) or
 * that sits under a directory users cannot search: the login succeeds but
 * the credentials file it names is out of the user's reach.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "identity.h"
#include "stsctl_check.h"

#define PLACE_MAX 4600

void stsctl_check_key_place(const char *config, const char *key, const char *value, char *out,
			    size_t cap)
{
	FILE *f = fopen(config, "re");
	char line[4200];
	unsigned lineno = 0;
	size_t klen = strlen(key);

	while (f && fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " \t");

		lineno++;
		if (strncmp(p, key, klen) == 0 &&
		    (p[klen] == '=' || p[klen] == ' ' || p[klen] == '\t')) {
			fclose(f);
			snprintf(out, cap, "%s:%u: %s = %s", config, lineno, key, value);
			return;
		}
	}
	if (f)
		fclose(f);
	snprintf(out, cap, "%s: %s (default %s)", config, key, value);
}

/* A directory the configuration names, which must exist. */
static void must_exist(check_ctx *c, const char *key, const char *path, const char *why)
{
	char place[PLACE_MAX];
	const char *problem;
	struct stat st;

	if (stat(path, &st) == 0)
		problem = S_ISDIR(st.st_mode) ? NULL : "not a directory";
	else
		problem = errno == ENOENT ? "does not exist" : strerror(errno);
	if (!problem) {
		stsctl_check_passed(c);
		return;
	}
	stsctl_check_key_place(c->config, key, path, place, sizeof(place));
	stsctl_check_fault(c, "%s: %s; %s", place, problem, why);
}

/* Every directory above runtime_dir must exist (the helper creates only the
 * last one) and be searchable by others (users open their credentials file
 * below it). runtime_dir's own mode is checked with its owner elsewhere. */
static void check_runtime_path(check_ctx *c)
{
	const char *dir = c->s.runtime_dir;
	char prefix[PLACE_MAX], place[PLACE_MAX];
	struct stat st;

	for (const char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - dir), dir);
		stsctl_check_key_place(c->config, "runtime_dir", dir, place, sizeof(place));
		if (stat(prefix, &st) < 0 || !S_ISDIR(st.st_mode)) {
			stsctl_check_fault(c,
					   "%s: %s does not exist, so the helper cannot "
					   "create %s at the first login",
					   place, prefix, dir);
			return;
		}
		if (!(st.st_mode & S_IXOTH)) {
			stsctl_check_fault(c,
					   "%s: %s (mode %04o) is not searchable by others: "
					   "users cannot reach their credentials below it "
					   "(chmod o+x %s)",
					   place, prefix, (unsigned)(st.st_mode & 07777), prefix);
			return;
		}
	}
	stsctl_check_passed(c);
}

void stsctl_check_login_dirs(check_ctx *c)
{
	must_exist(c, "policy_dir", c->s.policy_dir,
		   "every login reads the identity policies there (create it, mode 0755)");
	must_exist(c, "state_dir", c->s.state_dir,
		   "the MFA store is state_dir/mfa (create both, mode 0700, owned by root)");
	check_runtime_path(c);
}
