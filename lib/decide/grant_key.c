/* The grant key: created once (published with linkat), read with checks. */
#include "decide/grant_key.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/file_cache.h"
#include "base/fileio.h"

/* The file name of the first releases, which called the grant an MFA ticket. */
#define KEY_NAME  "mfa-ticket.key"
#define KEY_FLAGS (STS_READ_EUID_OWNED | STS_READ_PRIVATE)
#define KEY_MAX	  4096

/*
 * The resident helper's cache (lib/base/file_cache.h), keyed by the key file's
 * path: a hit costs one fstatat() of it instead of opening the state
 * directory and the file. It needs the file itself unchanged (same inode,
 * times, mode and owner); the directory is not opened again, so a state_dir
 * that root replaced by a link to the same directory (which the fresh read's
 * O_NOFOLLOW refuses) is noticed only when the key file changes. Returns 1
 * with the key, or 0: read it.
 */
static int cached_key(const char *path, unsigned char key[STS_GRANT_KEY_LEN])
{
	char *data = NULL;
	size_t len = 0;
	int rc = 0;

	if (!*path || !sts_read_cached(path, KEY_MAX, KEY_FLAGS, &data, &len))
		return 0;
	if (len == STS_GRANT_KEY_LEN) {
		memcpy(key, data, STS_GRANT_KEY_LEN);
		rc = 1;
	}
	sts_free_secret(data, len);
	return rc;
}

/* Reads the key relative to the state directory; |path| ("" for none) names
 * it for the cache. */
static int read_key(int dirfd, const char *dir, const char *path,
		    unsigned char key[STS_GRANT_KEY_LEN], sts_error *err)
{
	char *data = NULL;
	size_t len = 0;
	struct timespec since = { 0, 0 };
	struct stat st;
	int rc;

	if (*path)
		sts_file_cache_clock(&since);
	rc = sts_read_at_stat(dirfd, KEY_NAME, KEY_MAX, KEY_FLAGS, &data, &len, &st, err);
	if (rc == STS_READ_ENOENT)
		return STS_READ_ENOENT;
	if (rc < 0)
		return sts_error_set(err, "%s/%s: refused", dir, KEY_NAME);
	if (len != STS_GRANT_KEY_LEN) {
		sts_free_secret(data, len);
		return sts_error_set(err, "%s/%s: must hold %d bytes", dir, KEY_NAME,
				     STS_GRANT_KEY_LEN);
	}
	memcpy(key, data, STS_GRANT_KEY_LEN);
	if (*path)
		sts_file_cache_put(path, &st, &since, data, len);
	sts_free_secret(data, len);
	return 0;
}

/* Writes the key under a temporary name and publishes it with linkat(), which
 * fails if the name exists: concurrent first logins never see a partly
 * written key, and exactly one key wins. Returns 0, 1 (another won), -1. */
static int create_key(int dirfd, const char *dir, unsigned char key[STS_GRANT_KEY_LEN],
		      sts_error *err)
{
	unsigned char raw[8];
	char tmp[64];
	int fd, rc = -1;

	if (RAND_bytes(raw, sizeof(raw)) != 1 || RAND_bytes(key, STS_GRANT_KEY_LEN) != 1)
		return sts_error_set(err, "%s/%s: no random bytes", dir, KEY_NAME);
	snprintf(tmp, sizeof(tmp), "%s.new.%02x%02x%02x%02x%02x%02x%02x%02x", KEY_NAME, raw[0],
		 raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7]);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sts_error_set(err, "%s/%s: cannot create: %s", dir, tmp, strerror(errno));
	if (write(fd, key, STS_GRANT_KEY_LEN) != STS_GRANT_KEY_LEN || fsync(fd) < 0)
		sts_error_set(err, "%s/%s: write failed", dir, tmp);
	else if (linkat(dirfd, tmp, dirfd, KEY_NAME, 0) == 0)
		rc = 0;
	else if (errno == EEXIST)
		rc = 1;
	else
		sts_error_set(err, "%s/%s: cannot publish: %s", dir, KEY_NAME, strerror(errno));
	close(fd);
	unlinkat(dirfd, tmp, 0);
	if (rc != 0)
		OPENSSL_cleanse(key, STS_GRANT_KEY_LEN);
	return rc;
}

int sts_grant_key_load(const char *state_dir, bool create, unsigned char key[STS_GRANT_KEY_LEN],
		       sts_error *err)
{
	char path[PATH_MAX] = "";
	int dirfd, rc;

	if (sts_file_cache_enabled() &&
	    snprintf(path, sizeof(path), "%s/%s", state_dir, KEY_NAME) >= (int)sizeof(path))
		path[0] = '\0'; /* too long to name: not cached */
	if (cached_key(path, key))
		return 0;
	dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return sts_error_set(err, "%s: cannot open: %s", state_dir, strerror(errno));
	rc = read_key(dirfd, state_dir, path, key, err);
	if (rc == STS_READ_ENOENT && create) {
		rc = create_key(dirfd, state_dir, key, err);
		if (rc == 1) /* another login created it first */
			rc = read_key(dirfd, state_dir, path, key, err);
	} else if (rc == STS_READ_ENOENT) {
		rc = sts_error_set(err, "%s/%s: missing", state_dir, KEY_NAME);
	}
	close(dirfd);
	return rc < 0 ? -1 : 0;
}
