/*
 * The user's groups (from the system, so `usermod -aG` grants) and the
 * identity policies attached to the user and to those groups.
 */
#include "decide/identity.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide/identity_internal.h"
#include "decide/sts_limits.h"

#define GROUPS_MAX   65536
#define GRBUF_MAX    (1u << 20)
#define GROUPS_FIRST 64

/* NSS lookups one at a time: the resident helper's workers are threads, and
 * not every NSS module is safe to call from several threads at once, the
 * reentrant functions notwithstanding (nss_wrapper, which the tests use,
 * loses entries). A lookup takes microseconds from files or a cache. */
static pthread_mutex_t nss_lock = PTHREAD_MUTEX_INITIALIZER;

int sts_user_lookup(const char *user, struct passwd *pw, char *buf, size_t len)
{
	struct passwd *found = NULL;
	int rc;

	pthread_mutex_lock(&nss_lock);
	rc = getpwnam_r(user, pw, buf, len, &found);
	pthread_mutex_unlock(&nss_lock);
	return rc == 0 && found ? 0 : -1;
}

/* NULL: getgrouplist + getgrgid_r. Set only by code (unit tests). */
static sts_group_source group_source;

void sts_identity_set_group_source(sts_group_source source)
{
	group_source = source;
}

/* getgrouplist with a growing buffer. */
static int group_ids(const char *user, gid_t gid, gid_t **out, int *count, sts_error *err)
{
	int cap = GROUPS_FIRST;
	gid_t *gids = NULL;

	for (;;) {
		int want = cap, got;
		gid_t *grown = realloc(gids, (size_t)cap * sizeof(*gids));
		if (!grown) {
			free(gids);
			return sts_error_set(err, "groups of %s: out of memory", user);
		}
		gids = grown;
		pthread_mutex_lock(&nss_lock);
		got = getgrouplist(user, gid, gids, &want);
		pthread_mutex_unlock(&nss_lock);
		if (got >= 0) {
			*out = gids;
			*count = want;
			return 0;
		}
		if (cap >= GROUPS_MAX) {
			free(gids);
			return sts_error_set(err, "groups of %s: more than %d groups", user,
					     GROUPS_MAX);
		}
		cap = want > cap && want <= GROUPS_MAX ? want : cap * 2;
	}
}

/* The name of |gid| into *name (NULL when the group has no name). */
static int group_name(gid_t gid, char **name, sts_error *err)
{
	size_t cap = 1024;
	char *buf = NULL;
	struct group gr, *res = NULL;
	int rc;

	*name = NULL;
	for (;;) {
		char *grown = realloc(buf, cap);
		if (!grown) {
			free(buf);
			return sts_error_set(err, "group %u: out of memory", (unsigned)gid);
		}
		buf = grown;
		pthread_mutex_lock(&nss_lock);
		rc = getgrgid_r(gid, &gr, buf, cap, &res);
		pthread_mutex_unlock(&nss_lock);
		if (rc != ERANGE || cap >= GRBUF_MAX)
			break;
		cap *= 2;
	}
	if (rc != 0) {
		free(buf);
		return sts_error_set(err, "group %u: lookup failed: %s", (unsigned)gid,
				     strerror(rc));
	}
	if (res && !(*name = strdup(res->gr_name))) {
		free(buf);
		return sts_error_set(err, "group %u: out of memory", (unsigned)gid);
	}
	free(buf);
	return 0;
}

static int system_groups(const char *user, gid_t gid, char ***names, size_t *n, sts_error *err)
{
	gid_t *gids = NULL;
	int count = 0, rc = -1;

	*names = NULL;
	*n = 0;
	if (group_ids(user, gid, &gids, &count, err) < 0)
		return -1;
	*names = calloc((size_t)count + 1, sizeof(**names));
	if (!*names) {
		sts_error_set(err, "groups of %s: out of memory", user);
		goto out;
	}
	for (int i = 0; i < count; i++) {
		char *name;
		if (group_name(gids[i], &name, err) < 0)
			goto out;
		if (name) /* a gid without a name cannot have policies by name */
			(*names)[(*n)++] = name;
	}
	rc = 0;
out:
	free(gids);
	if (rc < 0) {
		sts_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts, drops duplicates, checks every name is one path component. */
static int tidy_groups(const char *user, char **names, size_t *n, sts_error *err)
{
	size_t out = 0;

	if (*n > 1)
		qsort(names, *n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < *n; i++) {
		if (!sts_safe_component(names[i]))
			return sts_error_set(err,
					     "groups of %s: group name \"%.64s\" cannot name a "
					     "policy directory",
					     user, names[i]);
		if (out > 0 && strcmp(names[out - 1], names[i]) == 0) {
			free(names[i]);
			continue;
		}
		names[out++] = names[i];
	}
	*n = out;
	return 0;
}

int sts_identity_groups(const char *user, gid_t gid, char ***names, size_t *n, sts_error *err)
{
	int rc = group_source ? group_source(user, gid, names, n, err) :
				system_groups(user, gid, names, n, err);

	if (rc < 0)
		return -1;
	if (tidy_groups(user, *names, n, err) < 0) {
		sts_names_free(*names, *n);
		*names = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* policy_dir/KIND/NAME/ for each of |names|, from the open KIND directory
 * |fd| (closed here). */
static int load_attached_at(sts_doc_bundle *b, int fd, const char *path, const char *scope_kind,
			    const char *owner_key, const char *const *names, size_t n,
			    sts_error *err)
{
	char scope[STS_IDENTITY_PATH_MAX];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = sts_path_join(scope, sizeof(scope), scope_kind, names[i], "", err);
		if (rc == 0)
			rc = sts_load_policy_dir(b, fd, path, names[i], scope, STS_DOC_IDENTITY,
						 owner_key, err);
	}
	close(fd);
	return rc;
}

/* Opens policy_dir/KIND into |*fd| and its path into |path|; STS_IDENTITY_ENOENT
 * when there is none. */
static int open_kind(int pfd, const char *policy_dir, const char *kind, char *path, size_t len,
		     int *fd, sts_error *err)
{
	if (sts_path_join(path, len, policy_dir, kind, "", err) < 0)
		return -1;
	*fd = sts_dir_openat(pfd, kind, path, err);
	return *fd < 0 ? *fd : 0;
}

/* The user's own policies, then those of the user's groups. The groups are
 * looked up (NSS: getgrouplist and a getgrgid_r per group) only when some
 * group has policies: with no policy_dir/groups they cannot matter. */
static int load_attached(sts_doc_bundle *b, int pfd, const sts_settings *s, const char *user,
			 gid_t gid, sts_error *err)
{
	char path[STS_IDENTITY_PATH_MAX], **groups = NULL;
	const char *const users[1] = { user };
	size_t ngroups = 0;
	int fd = -1, rc;

	rc = open_kind(pfd, s->policy_dir, "users", path, sizeof(path), &fd, err);
	if (rc == 0)
		rc = load_attached_at(b, fd, path, "user", "UserName", users, 1, err);
	if (rc < 0 && rc != STS_IDENTITY_ENOENT)
		return -1;
	rc = open_kind(pfd, s->policy_dir, "groups", path, sizeof(path), &fd, err);
	if (rc == STS_IDENTITY_ENOENT)
		return 0;
	if (rc < 0)
		return -1;
	if (sts_identity_groups(user, gid, &groups, &ngroups, err) < 0) {
		close(fd);
		return -1;
	}
	rc = load_attached_at(b, fd, path, "group", "GroupName", (const char *const *)groups,
			      ngroups, err);
	sts_names_free(groups, ngroups);
	return rc;
}

static bool valid_user_name(const char *user)
{
	return sts_valid_iam_name(user) && sts_safe_component(user);
}

int sts_identity_load_user(const sts_settings *s, const char *user, gid_t gid, sts_doc_bundle *out,
			   sts_error *err)
{
	int pfd = -1, rc = -1;

	if (!user || !valid_user_name(user))
		return sts_error_set(err,
				     "user name \"%.64s\" is not a valid IAM user name "
				     "([A-Za-z0-9_+=,.@-], 1..64 characters)",
				     user ? user : "");
	if (sts_doc_bundle_init(out, err) < 0)
		return -1;
	pfd = sts_dir_open(s->policy_dir, err);
	if (pfd < 0) {
		if (pfd == STS_IDENTITY_ENOENT)
			sts_error_set(err, "policy_dir %s: does not exist", s->policy_dir);
		goto out;
	}
	if (load_attached(out, pfd, s, user, gid, err) < 0)
		goto out;
	rc = sts_doc_bundle_finish(out, err);
out:
	if (pfd >= 0)
		close(pfd);
	if (rc < 0)
		sts_doc_bundle_free(out);
	return rc;
}
