/*
 * stsctl check: the whole configuration, the way `visudo -c` checks sudoers:
 * the main file, every identity policy, role and session policy, the issuer
 * key, the state, MFA and runtime directories and the helper (owner and
 * mode), and the PAM service files that use pam_sts.so. Every fault is
 * printed with its file and place; the exit status is 0 only when there is
 * none. A deprecated key name is a warning, which leaves the status alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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
#include "stsctl.h"
#include "stsctl_check.h"

static void fault(check_ctx *c, const char *msg)
{
	c->faults++;
	printf("FAULT %s\n", msg);
}

static void checked(check_ctx *c)
{
	c->checked++;
}

void stsctl_check_fault(check_ctx *c, const char *fmt, ...)
{
	char msg[6000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fault(c, msg);
}

void stsctl_check_passed(check_ctx *c)
{
	checked(c);
}

/* A directory (or file) root must own and nobody else may write. */
static void check_owned(check_ctx *c, const char *path, bool dir, mode_t forbidden)
{
	struct stat st;
	char msg[1200];

	if (lstat(path, &st) < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		fault(c, msg);
		return;
	}
	if (S_ISLNK(st.st_mode) || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
		snprintf(msg, sizeof(msg), "%s: must be a %s, not a link or anything else", path,
			 dir ? "directory" : "regular file");
		fault(c, msg);
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(msg, sizeof(msg), "%s: owned by uid %u, must be root's", path,
			 (unsigned)st.st_uid);
		fault(c, msg);
	} else if (st.st_mode & forbidden) {
		snprintf(msg, sizeof(msg),
			 "%s: mode %04o gives others too much (must not have %04o)", path,
			 (unsigned)(st.st_mode & 07777), (unsigned)forbidden);
		fault(c, msg);
	} else {
		checked(c);
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
		fault(c, err.msg);
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
			fault(c, err.msg);
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
		fault(c, err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sts_role role;

		if (sts_role_load(&c->s, names[i], &role, &err) < 0) {
			fault(c, err.msg);
			continue;
		}
		checked(c);
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
		fault(c, err.msg);
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	for (size_t i = 0; i < n; i++) {
		sts_doc_bundle b;

		names[i][strlen(names[i]) - 5] = '\0'; /* NAME.json -> NAME */
		if (sts_identity_load_session_policy(&c->s, names[i], &b, &err) < 0) {
			fault(c, err.msg);
			continue;
		}
		checked(c);
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
			fault(c, msg);
			return;
		}
		if (S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH)) {
			snprintf(
				msg, sizeof(msg),
				"%s: mode %04o: users cannot traverse it to reach their credentials "
				"under runtime_dir %s",
				prefix, (unsigned)(st.st_mode & 07777), dir);
			fault(c, msg);
			return;
		}
	}
	checked(c);
}

static void check_keys_and_dirs(check_ctx *c)
{
	char path[4096];
	sts_keyring *ring = NULL;
	sts_error err;

	if (!c->s.account_id) {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s: account_id is not set", c->config);
		fault(c, msg);
	}
	if (sts_keyring_load(c->s.issuer_key, &ring, &err) < 0)
		fault(c, err.msg);
	else
		checked(c);
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
}

int stsctl_check(int argc, char **argv)
{
	check_ctx c;
	const char *pam_dir = "/etc/pam.d";
	sts_error err;

	memset(&c, 0, sizeof(c));
	c.config = STS_DEFAULT_CONFIG;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			c.config = argv[++i];
		else if (strcmp(argv[i], "--pam-dir") == 0 && i + 1 < argc)
			pam_dir = argv[++i];
		else {
			fputs("usage: stsctl check [--config FILE] [--pam-dir DIR]\n", stderr);
			return STSCTL_USAGE;
		}
	}
	if (sts_settings_load(c.config, &c.s, &err) < 0) {
		printf("FAULT %s\n", err.msg);
		printf("check: 1 fault; nothing else checked\n");
		return STSCTL_DENIED;
	}
	checked(&c);
	stsctl_check_config(&c);
	stsctl_check_pam_dir(&c, pam_dir);
	sts_settings_free(&c.s);
	printf("check: %u checked, %u fault%s\n", c.checked, c.faults, c.faults == 1 ? "" : "s");
	return c.faults ? STSCTL_DENIED : STSCTL_OK;
}
