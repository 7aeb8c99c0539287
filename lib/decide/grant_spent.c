/* The record of the grants opened (see grant_spent.h): OpenSSL's SHA-256,
 * files created relative to descriptors. */
#include "decide/grant_spent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/fileio.h"

#define BUCKET_SECONDS 60
#define DIGEST_LEN     32

/* The directory |name| under |parent| (-1: |name| is a path), created 0700
 * when absent (then *|created|, when given, is set); it must be a directory
 * of the effective user's, closed to everyone else. Returns its descriptor
 * or -1 with |err| set. */
static int private_dir(int parent, const char *name, const char *shown, bool *created,
		       sts_error *err)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = parent < 0 ? open(name, flags) : openat(parent, name, flags);
	struct stat st;

	if (fd < 0 && errno == ENOENT && parent >= 0) {
		if (mkdirat(parent, name, 0700) == 0) {
			if (created)
				*created = true;
		} else if (errno != EEXIST) {
			return sts_error_set(err, "%s: cannot create: %s", shown, strerror(errno));
		}
		fd = openat(parent, name, flags);
	}
	if (fd < 0)
		return sts_error_set(err, "%s: cannot open: %s", shown, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != sts_euid() || (st.st_mode & 022) ||
	    (parent >= 0 && (st.st_mode & 077))) {
		close(fd);
		return sts_error_set(err,
				     "%s: refused: must be owned by uid %u and closed to others",
				     shown, (unsigned)sts_euid());
	}
	return fd;
}

static bool digest_hex(const char *text, char out[2 * DIGEST_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[DIGEST_LEN];
	unsigned int len = 0;

	if (EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL) != 1 || len != DIGEST_LEN)
		return false;
	for (size_t i = 0; i < DIGEST_LEN; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * DIGEST_LEN] = '\0';
	return true;
}

/* A bucket's name as a number; false for anything else. */
static bool bucket_time(const char *name, int64_t *t)
{
	char *end = NULL;
	long long v;

	if (*name < '0' || *name > '9')
		return false;
	errno = 0;
	v = strtoll(name, &end, 10);
	if (errno || *end)
		return false;
	*t = (int64_t)v;
	return true;
}

/* Removes the bucket |name| of |gfd|: its files, then itself. A concurrent
 * pruner removing the same entries is no error; nothing is reported, the
 * next login tries again. */
static void remove_bucket(int gfd, const char *name)
{
	int bfd = openat(gfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = bfd >= 0 ? fdopendir(bfd) : NULL;
	struct dirent *e;

	if (!d) {
		if (bfd >= 0)
			close(bfd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(bfd, e->d_name, 0);
	closedir(d);
	unlinkat(gfd, name, AT_REMOVEDIR);
}

/* Removes every bucket whose grants have all expired by |now|. */
static void prune(int gfd, int64_t now)
{
	int fd = dup(gfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int64_t t;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (bucket_time(e->d_name, &t) && t <= now)
			remove_bucket(gfd, e->d_name);
	closedir(d);
}

/* Creates the marker; 0, 1 (it exists: opened before) or -1. *|new_bucket|
 * tells whether its bucket was created for it. */
static int create_marker(int gfd, const char *sealed, int64_t expires, const char *shown,
			 bool *new_bucket, sts_error *err)
{
	char bucket[24], hex[2 * DIGEST_LEN + 1], where[4200];
	int64_t rounded = (expires + BUCKET_SECONDS - 1) / BUCKET_SECONDS * BUCKET_SECONDS;
	int bfd, fd;

	snprintf(bucket, sizeof(bucket), "%" PRId64, rounded);
	snprintf(where, sizeof(where), "%s/%s", shown, bucket);
	if (!digest_hex(sealed, hex))
		return sts_error_set(err, "%s: cannot hash the grant", shown);
	bfd = private_dir(gfd, bucket, where, new_bucket, err);
	if (bfd < 0)
		return -1;
	fd = openat(bfd, hex, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		close(bfd);
		return 1;
	}
	if (fd < 0) {
		sts_error_set(err, "%s/%s/%s: cannot create: %s", shown, bucket, hex,
			      strerror(errno));
		close(bfd);
		return -1;
	}
	close(fd);
	close(bfd);
	return 0;
}

int sts_grant_spend(const char *state_dir, const char *sealed, int64_t expires, int64_t now,
		    sts_error *err)
{
	char shown[4096];
	bool new_bucket = false;
	int sfd, gfd, rc;

	if (!sealed || expires <= 0)
		return sts_error_set(err, "grant: nothing to record");
	snprintf(shown, sizeof(shown), "%s/%s", state_dir, STS_GRANT_SPENT_DIR);
	sfd = private_dir(-1, state_dir, state_dir, NULL, err);
	if (sfd < 0)
		return -1;
	gfd = private_dir(sfd, STS_GRANT_SPENT_DIR, shown, NULL, err);
	close(sfd);
	if (gfd < 0)
		return -1;
	rc = create_marker(gfd, sealed, expires, shown, &new_bucket, err);
	/* The first grant of a new minute lists the buckets; the others
	 * only create their file. */
	if (new_bucket)
		prune(gfd, now);
	close(gfd);
	return rc;
}
