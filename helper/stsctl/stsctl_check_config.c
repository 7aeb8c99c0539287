/*
 * stsctl check: every check of one configuration (the main file's, or one
 * a PAM line names): its policies, roles and session policies, the issuer
 * key, and the state, MFA and runtime directories and the helper (owner and
 * mode).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/settings.h"
#include "decide/identity.h"
#include "decide/identity_internal.h"
#include "token/keyring.h"
#include "stsctl_check.h"

/* A directory (or file) root must own and nobody else may write. */
static void check_owned(check_ctx *c, const char *path, bool dir, mode_t forbidden)
{
	struct stat st;
	char msg[1200];

	if (lstat(path, &st) < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		stsctl_check_fault(c, "%s", msg);
		return;
	}
	if (S_ISLNK(st.st_mode) || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
		snprintf(msg, sizeof(msg), "%s: must be a %s, not a link or anything else", path,
			 dir ? "directory" : "regular file");
		stsctl_check_fault(c, "%s", msg);
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(msg, sizeof(msg), "%s: owned by uid %u, must be root's", path,
			 (unsigned)st.st_uid);
		stsctl_check_fault(c, "%s", msg);
	} else if (st.st_mode & forbidden) {
		snprintf(msg, sizeof(msg),
			 "%s: mode %04o gives others too much (must not have %04o)", path,
			 (unsigned)(st.st_mode & 07777), (unsigned)forbidden);
		stsctl_check_fault(c, "%s", msg);
	} else {
		stsctl_check_passed(c);
	}
}

/* Every NAME.json below policy_dir/KIND/ENTITY/. */
static void check_policy_tree(check_ctx *c, const char *kind)
{
	char path[4096], scope[300];
	char **entities = NULL;
	size_t n = 0;
	sts_error err;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->s.policy_dir, kind);
	fd = sts_dir_open(path, &err);
	if (fd == STS_IDENTITY_ENOENT)
		return;
	if (fd < 0 || sts_dir_list(fd, path, "", &entities, &n, &err) < 0) {
		stsctl_check_fault(c, "%s", err.msg);
		if (fd >= 0)
			close(fd);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sts_doc_bundle b;

		memset(&b, 0, sizeof(b));
		snprintf(scope, sizeof(scope), "%s/%s", kind, entities[i]);
		if (sts_doc_bundle_init(&b, &err) < 0 ||
		    sts_load_policy_dir(&b, fd, path, entities[i], scope, STS_DOC_IDENTITY,
					strcmp(kind, "groups") == 0 ? "GroupName" : "UserName",
					&err) < 0 ||
		    sts_doc_bundle_finish(&b, &err) < 0)
			stsctl_check_fault(c, "%s", err.msg);
		else
			c->checked += (unsigned)b.n;
		sts_doc_bundle_free(&b);
	}
	sts_names_free(entities, n);
	close(fd);
}

static void check_roles(check_ctx *c)
{
	char **names = NULL;
	size_t n = 0;
	sts_error err;

	if (sts_role_list(&c->s, &names, &n, &err) < 0) {
		stsctl_check_fault(c, "%s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sts_role role;

		if (sts_role_load(&c->s, names[i], &role, &err) < 0) {
			stsctl_check_fault(c, "%s", err.msg);
			continue;
		}
		stsctl_check_passed(c);
		sts_role_free(&role);
	}
	sts_names_free(names, n);
}

static void check_session_policies(check_ctx *c)
{
	char **names = NULL;
	size_t n = 0;
	sts_error err;
	int fd = sts_dir_open(c->s.session_policy_dir, &err);

	if (fd == STS_IDENTITY_ENOENT)
		return;
	if (fd < 0 || sts_dir_list(fd, c->s.session_policy_dir, ".json", &names, &n, &err) < 0) {
		stsctl_check_fault(c, "%s", err.msg);
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	for (size_t i = 0; i < n; i++) {
		sts_doc_bundle b;

		names[i][strlen(names[i]) - 5] = '\0'; /* NAME.json -> NAME */
		if (sts_identity_load_session_policy(&c->s, names[i], &b, &err) < 0) {
			stsctl_check_fault(c, "%s", err.msg);
			continue;
		}
		stsctl_check_passed(c);
		sts_doc_bundle_free(&b);
	}
	sts_names_free(names, n);
}

/* Users open their credentials file by its path under runtime_dir, so each
 * directory on the way must let others search it (x). A missing runtime_dir
 * is created 0755 at the first login, but not its parents. */
static void check_runtime_reachable(check_ctx *c)
{
	const char *dir = c->s.runtime_dir;
	char prefix[4096], msg[9000];
	size_t len = strlen(dir);
	struct stat st;

	for (size_t end = 1; end <= len; end++) {
		if (end < len && dir[end] != '/')
			continue;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)end, dir);
		if (stat(prefix, &st) < 0) {
			if (errno == ENOENT && end == len)
				break; /* created at the first login */
			snprintf(msg, sizeof(msg),
				 "%s: runtime_dir %s cannot be created under it: %s", prefix, dir,
				 strerror(errno));
			stsctl_check_fault(c, "%s", msg);
			return;
		}
		if (S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH)) {
			snprintf(
				msg, sizeof(msg),
				"%s: mode %04o: users cannot traverse it to reach their credentials "
				"under runtime_dir %s",
				prefix, (unsigned)(st.st_mode & 07777), dir);
			stsctl_check_fault(c, "%s", msg);
			return;
		}
	}
	stsctl_check_passed(c);
}

static void check_keys_and_dirs(check_ctx *c)
{
	char path[4096];
	sts_keyring *ring = NULL;
	sts_error err;

	if (!c->s.account_id) {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s: account_id is not set", c->config);
		stsctl_check_fault(c, "%s", msg);
	}
	if (sts_keyring_load(c->s.issuer_key, &ring, &err) < 0)
		stsctl_check_fault(c, "%s", err.msg);
	else
		stsctl_check_passed(c);
	sts_keyring_free(ring);
	check_owned(c, c->s.state_dir, true, 077);
	snprintf(path, sizeof(path), "%s/mfa", c->s.state_dir);
	check_owned(c, path, true, 077);
	if (access(c->s.runtime_dir, F_OK) == 0) /* created at the first login otherwise */
		check_owned(c, c->s.runtime_dir, true, 022);
	check_runtime_reachable(c);
	check_owned(c, c->s.helper, false, 022);
}

void stsctl_check_config(check_ctx *c)
{
	/* Not a fault: the file still works as it is. */
	if (c->s.deprecation)
		printf("WARNING %s: %s\n", c->config, c->s.deprecation);
	check_policy_tree(c, "groups");
	check_policy_tree(c, "users");
	check_roles(c);
	check_session_policies(c);
	check_keys_and_dirs(c);
	stsctl_check_login_dirs(c);
	stsctl_check_upstream(c);
}
