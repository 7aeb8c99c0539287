/*
 * Safe directory walking and policy documents loaded into bundles: every
 * directory opened without following a link and checked on its descriptor,
 * every file read with sts_read_at (no link, owner, mode, size).
 */
#include "decide/identity.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/fileio.h"
#include "decide/identity_internal.h"
#include "decide/sts_limits.h"
#include "policy/policy_text.h"

static int check_dir(int fd, const char *path, sts_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return sts_error_set(err, "%s: cannot stat: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sts_error_set(err, "%s: not a directory", path);
	if (st.st_uid != 0 && st.st_uid != sts_euid())
		return sts_error_set(err, "%s: not owned by root (uid %u)", path,
				     (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return sts_error_set(err, "%s: writable by group or others (mode %04o)", path,
				     (unsigned)(st.st_mode & 07777));
	return 0;
}

/* |fd| from openat(|dirfd|, |name|, O_DIRECTORY | O_NOFOLLOW): checked, or why not. */
static int opened_dir(int fd, int dirfd, const char *name, const char *path, sts_error *err)
{
	struct stat st;

	if (fd < 0) {
		int e = errno;
		if (e == ENOENT) {
			sts_error_set(err, "%s: does not exist", path);
			return STS_IDENTITY_ENOENT;
		}
		/* With O_DIRECTORY, Linux reports a link as ENOTDIR, not ELOOP. */
		if (e == ELOOP ||
		    (e == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISLNK(st.st_mode)))
			return sts_error_set(err, "%s: is a symbolic link (refused)", path);
		if (e == ENOTDIR)
			return sts_error_set(err, "%s: not a directory", path);
		return sts_error_set(err, "%s: cannot open directory: %s", path, strerror(e));
	}
	if (check_dir(fd, path, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int sts_dir_open(const char *path, sts_error *err)
{
	if (!path || !*path)
		return sts_error_set(err, "directory path is not set");
	return opened_dir(open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), AT_FDCWD,
			  path, path, err);
}

int sts_dir_openat(int dirfd, const char *name, const char *path, sts_error *err)
{
	if (!sts_safe_component(name))
		return sts_error_set(err, "%s: not a single path component", path);
	return opened_dir(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
			  dirfd, name, path, err);
}

bool sts_safe_component(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

void sts_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n >= s && strcmp(name + n - s, suffix) == 0;
}

static int push_name(char ***names, size_t *n, const char *name)
{
	char **grown = realloc(*names, (*n + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	*names = grown;
	if (!(grown[*n] = strdup(name)))
		return -1;
	(*n)++;
	return 0;
}

int sts_dir_list(int dirfd, const char *path, const char *suffix, char ***names, size_t *n,
		 sts_error *err)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int rc = -1;

	*names = NULL;
	*n = 0;
	if (!dir) {
		sts_error_set(err, "%s: cannot list: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(dir);
	for (errno = 0; (de = readdir(dir)); errno = 0) {
		if (!sts_safe_component(de->d_name) || !has_suffix(de->d_name, suffix))
			continue;
		if (push_name(names, n, de->d_name) < 0) {
			sts_error_set(err, "%s: out of memory", path);
			goto out;
		}
	}
	if (errno) {
		sts_error_set(err, "%s: cannot list: %s", path, strerror(errno));
		goto out;
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), name_cmp);
	rc = 0;
out:
	closedir(dir);
	if (rc < 0) {
		sts_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

int sts_read_checked(int dirfd, const char *name, const char *path, char **text, size_t *len,
		     sts_error *err)
{
	sts_error inner;
	int rc = sts_read_at(dirfd, name, STS_IDENTITY_FILE_MAX,
			     STS_READ_NOFOLLOW | STS_READ_ROOT_OR_EUID | STS_READ_NOT_WRITABLE,
			     text, len, &inner);

	if (rc == STS_READ_ENOENT) {
		sts_error_set(err, "%s: does not exist", path);
		return STS_IDENTITY_ENOENT;
	}
	if (rc < 0) {
		/* sts_read_at names the file by |name|: name the full path */
		const char *rest = strncmp(inner.msg, name, strlen(name)) == 0 ?
					   inner.msg + strlen(name) :
					   inner.msg;
		return sts_error_set(err, "%s%s%s", path, rest == inner.msg ? ": " : "", rest);
	}
	return 0;
}

int sts_path_join(char *buf, size_t cap, const char *dir, const char *name, const char *suffix,
		  sts_error *err)
{
	size_t need = strlen(dir) + 1 + strlen(name) + strlen(suffix) + 1;

	if (need > cap)
		return sts_error_set(err, "%s/%s%s: path too long", dir, name, suffix);
	sts_fmt(buf, cap, "%s/%s%s", dir, name, suffix);
	return 0;
}

int sts_doc_bundle_init(sts_doc_bundle *b, sts_error *err)
{
	memset(b, 0, sizeof(*b));
	if (!(b->set = sts_policy_set_new()))
		return sts_error_set(err, "out of memory");
	return 0;
}

int sts_doc_bundle_finish(sts_doc_bundle *b, sts_error *err)
{
	if (sts_policy_set_finish(b->set) < 0)
		return sts_error_set(err, "out of memory");
	return 0;
}

void sts_doc_bundle_free(sts_doc_bundle *b)
{
	if (!b)
		return;
	sts_policy_set_free(b->set);
	for (size_t i = 0; i < b->n; i++) {
		free(b->docs[i].scope);
		free(b->docs[i].text);
	}
	free(b->docs);
	memset(b, 0, sizeof(*b));
}

int sts_parse_named(const char *text, size_t len, const char *scope, const char *where,
		    sts_doc_kind kind, sts_policy **out, sts_error *err)
{
	sts_error inner;
	size_t n = strlen(scope);

	if (sts_policy_parse(text, len, scope, kind, out, &inner) == 0)
		return 0;
	/* The engine names the document by |scope|; messages name the file. */
	if (strncmp(inner.msg, scope, n) == 0)
		return sts_error_set(err, "%s%s", where, inner.msg + n);
	return sts_error_set(err, "%s: %s", where, inner.msg);
}

int sts_doc_bundle_add(sts_doc_bundle *b, const char *scope, const char *where, const char *text,
		       size_t len, json_object *doc, sts_doc_kind kind, sts_error *err)
{
	const char *canon = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	sts_identity_doc *grown;
	sts_identity_doc d = { NULL, NULL };
	sts_policy *policy = NULL;

	if (sts_parse_named(text, len, scope, where, kind, &policy, err) < 0)
		return -1;
	grown = realloc(b->docs, (b->n + 1) * sizeof(*grown));
	if (grown)
		b->docs = grown;
	if (!grown || !canon || !(d.scope = strdup(scope)) || !(d.text = strdup(canon)) ||
	    sts_policy_set_add(b->set, policy) < 0) {
		free(d.scope);
		free(d.text);
		sts_policy_free(policy);
		return sts_error_set(err, "%s: out of memory", where);
	}
	b->docs[b->n++] = d;
	return 0;
}

/* One policy file, in one of the shapes |shapes| allows. Returns 0,
 * STS_IDENTITY_ENOENT or -1. */
static int load_policy_file(sts_doc_bundle *b, int dirfd, const char *dirpath, const char *name,
			    const char *scope_prefix, const sts_policy_shapes *shapes,
			    sts_error *err)
{
	char path[STS_IDENTITY_PATH_MAX], scope[STS_IDENTITY_PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	json_object *root = NULL;
	int rc;

	if (sts_path_join(path, sizeof(path), dirpath, name, "", err) < 0)
		return -1;
	if (sts_path_join(scope, sizeof(scope), scope_prefix, name, "", err) < 0)
		return -1;
	rc = sts_read_checked(dirfd, name, path, &text, &len, err);
	if (rc == 0)
		rc = sts_policy_json_parse(text, len, path, &root, err);
	if (rc == 0)
		rc = sts_policy_file_add(b, root, text, len, path, scope, shapes, err);
	json_object_put(root);
	free(text);
	return rc;
}

int sts_load_policy_dir(sts_doc_bundle *b, int parentfd, const char *parent_path, const char *name,
			const char *scope_prefix, sts_doc_kind kind, const char *owner_key,
			sts_error *err)
{
	const sts_policy_shapes shapes = { owner_key, name, kind, true };
	char path[STS_IDENTITY_PATH_MAX];
	char **names = NULL;
	size_t n = 0;
	int fd, rc = -1;

	if (sts_path_join(path, sizeof(path), parent_path, name, "", err) < 0)
		return -1;
	fd = sts_dir_openat(parentfd, name, path, err);
	if (fd == STS_IDENTITY_ENOENT)
		return 0; /* nothing attached */
	if (fd < 0)
		return -1;
	if (sts_dir_list(fd, path, ".json", &names, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (load_policy_file(b, fd, path, names[i], scope_prefix, &shapes, err) != 0)
			goto out; /* ENOENT here: removed while listed, an error too */
	}
	rc = 0;
out:
	sts_names_free(names, n);
	close(fd);
	return rc;
}

int sts_identity_load_session_policy(const sts_settings *s, const char *name, sts_doc_bundle *out,
				     sts_error *err)
{
	static const sts_policy_shapes bare_session = { NULL, NULL, STS_DOC_SESSION, false };
	char file[STS_IDENTITY_PATH_MAX];
	int fd, rc;

	if (!sts_valid_object_name(name))
		return sts_error_set(err,
				     "session policy name \"%.140s\" is not valid "
				     "([A-Za-z0-9+=,.@_-], 1..128, not beginning with '.')",
				     name ? name : "");
	sts_fmt(file, sizeof(file), "%s.json", name);
	if (sts_doc_bundle_init(out, err) < 0)
		return -1;
	fd = sts_dir_open(s->session_policy_dir, err);
	if (fd < 0) {
		sts_doc_bundle_free(out);
		return fd;
	}
	rc = load_policy_file(out, fd, s->session_policy_dir, file, "session", &bare_session, err);
	close(fd);
	if (rc == 0)
		rc = sts_doc_bundle_finish(out, err);
	if (rc != 0)
		sts_doc_bundle_free(out);
	return rc;
}

int sts_identity_inline_session_policy(const char *text, sts_doc_bundle *out, sts_error *err)
{
	json_object *root = NULL;
	size_t len = strlen(text);
	int rc;

	if (sts_doc_bundle_init(out, err) < 0)
		return -1;
	rc = sts_policy_json_parse(text, len, "session policy (inline)", &root, err);
	if (rc == 0)
		rc = sts_doc_bundle_add(out, "session/inline", "session policy (inline)", text, len,
					root, STS_DOC_SESSION, err);
	json_object_put(root);
	if (rc == 0)
		rc = sts_doc_bundle_finish(out, err);
	if (rc != 0)
		sts_doc_bundle_free(out);
	return rc;
}
