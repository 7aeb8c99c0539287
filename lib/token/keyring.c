/* The issuer key ring: its file read, parsed, created and rotated. */
#include "token/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/fileio.h"
#include "token/token_internal.h"

#define RING_HEADER   "pam_sts-keyring v1\n"
#define RING_MAX_KEYS 64
#define RING_FILE_MAX (16u * 1024u)
#define KEY_B64_LEN   44
#define LOCK_WAIT_MS  5000
#define KEY_LINE_LEN  (4 + STS_KEY_ID_HEX + 1 + KEY_B64_LEN + 1) /* "key ID B64\n" */

struct sts_keyring {
	sts_issuer_key *keys; /* newest first; keys[0] is current */
	size_t n;
	EVP_CIPHER *cipher;
};

static void wipe_keys(sts_issuer_key *keys, size_t n)
{
	if (!keys)
		return;
	OPENSSL_cleanse(keys, n * sizeof(*keys));
	free(keys);
}

void sts_keyring_free(sts_keyring *ring)
{
	if (!ring)
		return;
	wipe_keys(ring->keys, ring->n);
	EVP_CIPHER_free(ring->cipher);
	free(ring);
}

const char *sts_keyring_current_id(const sts_keyring *ring)
{
	return ring->keys[0].id;
}

size_t sts_keyring_size(const sts_keyring *ring)
{
	return ring->n;
}

const sts_issuer_key *sts_keyring_current_key(const sts_keyring *ring)
{
	return &ring->keys[0];
}

const sts_issuer_key *sts_keyring_find(const sts_keyring *ring,
				       const unsigned char raw_id[STS_KEY_ID_RAW])
{
	for (size_t i = 0; i < ring->n; i++)
		if (memcmp(ring->keys[i].raw_id, raw_id, STS_KEY_ID_RAW) == 0)
			return &ring->keys[i];
	return NULL;
}

const EVP_CIPHER *sts_keyring_cipher(const sts_keyring *ring)
{
	return ring->cipher;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is refused: ids have one spelling */
}

static void set_id(sts_issuer_key *k, const unsigned char raw[STS_KEY_ID_RAW])
{
	static const char digits[] = "0123456789abcdef";

	memcpy(k->raw_id, raw, STS_KEY_ID_RAW);
	for (size_t i = 0; i < STS_KEY_ID_RAW; i++) {
		k->id[2 * i] = digits[raw[i] >> 4];
		k->id[2 * i + 1] = digits[raw[i] & 15];
	}
	k->id[STS_KEY_ID_HEX] = '\0';
}

/* One "key ID B64" line (without its LF) into |k|. */
static int parse_key_line(const char *line, size_t len, sts_issuer_key *k)
{
	unsigned char raw[STS_KEY_ID_RAW], buf[KEY_B64_LEN];
	long n;
	int rc = -1;

	if (len != KEY_LINE_LEN - 1 || memcmp(line, "key ", 4) != 0 ||
	    line[4 + STS_KEY_ID_HEX] != ' ')
		return -1;
	for (size_t i = 0; i < STS_KEY_ID_RAW; i++) {
		int hi = hex_value(line[4 + 2 * i]), lo = hex_value(line[5 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	n = sts_b64_decode(line + 5 + STS_KEY_ID_HEX, KEY_B64_LEN, buf);
	if (n == STS_KEY_LEN) {
		set_id(k, raw);
		memcpy(k->key, buf, STS_KEY_LEN);
		rc = 0;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int parse_keys(const char *text, size_t len, const char *label, sts_keyring *ring,
		      sts_error *err)
{
	size_t off = strlen(RING_HEADER);
	unsigned lineno = 1;

	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off);
		size_t llen = nl ? (size_t)(nl - line) : len - off;
		sts_issuer_key *k = &ring->keys[ring->n];

		lineno++;
		if (!nl)
			return sts_error_set(err, "%s: line %u: no final newline", label, lineno);
		if (ring->n == RING_MAX_KEYS)
			return sts_error_set(err, "%s: more than %d keys", label, RING_MAX_KEYS);
		if (parse_key_line(line, llen, k) < 0)
			return sts_error_set(err,
					     "%s: line %u: expected \"key ID KEY\" (8 hex digits, "
					     "32 bytes in base64)",
					     label, lineno);
		if (sts_keyring_find(ring, k->raw_id))
			return sts_error_set(err, "%s: line %u: key id %s appears twice", label,
					     lineno, k->id);
		ring->n++;
		off += llen + 1;
	}
	if (ring->n == 0)
		return sts_error_set(err, "%s: holds no key", label);
	return 0;
}

int sts_keyring_parse(const char *text, size_t len, const char *label, sts_keyring **out,
		      sts_error *err)
{
	sts_keyring *ring = calloc(1, sizeof(*ring));

	*out = NULL;
	if (!ring || !(ring->keys = calloc(RING_MAX_KEYS, sizeof(*ring->keys)))) {
		free(ring);
		return sts_error_set(err, "%s: out of memory", label);
	}
	if (len < strlen(RING_HEADER) || memcmp(text, RING_HEADER, strlen(RING_HEADER)) != 0 ||
	    memchr(text, '\0', len)) {
		sts_error_set(err, "%s: not a pam_sts key ring (first line must be \"%.*s\")",
			      label, (int)strlen(RING_HEADER) - 1, RING_HEADER);
		goto fail;
	}
	if (parse_keys(text, len, label, ring, err) < 0)
		goto fail;
	ring->cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (!ring->cipher) {
		sts_error_set(err, "%s: OpenSSL provides no AES-256-GCM", label);
		goto fail;
	}
	*out = ring;
	return 0;
fail:
	/* Keys parsed before the fault are wiped too. */
	ring->n = RING_MAX_KEYS;
	sts_keyring_free(ring);
	return -1;
}

int sts_keyring_load(const char *path, sts_keyring **out, sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!path)
		return sts_error_set(err, "issuer key ring: no path configured");
	/* STS_READ_CACHE: the resident helper reads it on every session. */
	rc = sts_read_file(path, RING_FILE_MAX,
			   STS_READ_NOFOLLOW | STS_READ_ROOT_OR_EUID | STS_READ_PRIVATE |
				   STS_READ_CACHE,
			   &text, &len, err);
	if (rc == 0)
		rc = sts_keyring_parse(text, len, path, out, err);
	sts_free_secret(text, len);
	return rc < 0 ? -1 : 0;
}

/* A fresh key whose id differs from the |n| keys in |others|. */
static int fresh_key(sts_issuer_key *k, const sts_issuer_key *others, size_t n, sts_error *err)
{
	unsigned char raw[STS_KEY_ID_RAW];

	for (int tries = 0; tries < 16; tries++) {
		bool taken = false;
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			break;
		for (size_t i = 0; i < n; i++)
			taken = taken || memcmp(others[i].raw_id, raw, STS_KEY_ID_RAW) == 0;
		if (taken)
			continue;
		if (RAND_priv_bytes(k->key, STS_KEY_LEN) != 1)
			break;
		set_id(k, raw);
		return 0;
	}
	return sts_error_set(err, "issuer key ring: OpenSSL's random generator failed");
}

/* The file text for |keys| (malloc'd; wipe with sts_free_secret). */
static char *format_ring(const sts_issuer_key *keys, size_t n, size_t *len)
{
	size_t cap = strlen(RING_HEADER) + n * KEY_LINE_LEN + 1, off;
	char *text = malloc(cap);

	if (!text)
		return NULL;
	off = (size_t)snprintf(text, cap, "%s", RING_HEADER);
	for (size_t i = 0; i < n; i++) {
		char b64[KEY_B64_LEN + 1];
		EVP_EncodeBlock((unsigned char *)b64, keys[i].key, STS_KEY_LEN);
		off += (size_t)snprintf(text + off, cap - off, "key %s %s\n", keys[i].id, b64);
		OPENSSL_cleanse(b64, sizeof(b64));
	}
	*len = off;
	return text;
}

/* Opens the directory that holds |path| and checks nobody else can replace
 * files in it; |base| gets the file name. Returns the descriptor or -1. */
static int open_parent(const char *path, char *base, size_t cap, sts_error *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	int fd;

	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	snprintf(base, cap, "%s", slash ? slash + 1 : path);
	if (strlen(path) >= sizeof(dir) || !*base || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0 || strlen(base) + 16 >= cap)
		return sts_error_set(err, "%s: not usable as a key ring path", path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sts_error_set(err, "%s: cannot open its directory: %s", path,
				     strerror(errno));
	if (fstat(fd, &st) < 0 || (st.st_uid != 0 && st.st_uid != sts_euid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		return sts_error_set(err,
				     "%s: its directory must be owned by root and writable by "
				     "no one else",
				     path);
	}
	return fd;
}

/*
 * Writes |text| to a temporary file next to |base| and moves it into place:
 * renamed over the old ring (|replace|) or linked, which fails when a ring
 * exists (STS_KEYRING_EXISTS). Returns 0, STS_KEYRING_EXISTS or -1.
 */
static int install(int dirfd, const char *path, const char *base, const char *text, size_t len,
		   bool replace, sts_error *err)
{
	char tmp[NAME_MAX + 1];
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", base, (long)getpid());
	unlinkat(dirfd, tmp, 0); /* a leftover of a crashed writer with our pid */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sts_error_set(err, "%s: cannot create a temporary file: %s", path,
				     strerror(errno));
	if (fchmod(fd, 0600) < 0 || sts_write_all(fd, text, len) < 0 || fsync(fd) < 0) {
		sts_error_set(err, "%s: write failed: %s", path, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	if (replace ? renameat(dirfd, tmp, dirfd, base) : linkat(dirfd, tmp, dirfd, base, 0)) {
		if (!replace && errno == EEXIST)
			rc = STS_KEYRING_EXISTS;
		else
			sts_error_set(err, "%s: cannot put the new key ring in place: %s", path,
				      strerror(errno));
		goto out;
	}
	rc = 0;
out:
	unlinkat(dirfd, tmp, 0); /* after link or failure; gone already after rename */
	if (rc == 0 && fsync(dirfd) < 0)
		rc = sts_error_set(err, "%s: fsync of the directory failed: %s", path,
				   strerror(errno));
	if (rc == STS_KEYRING_EXISTS)
		sts_error_set(err, "%s: a key ring exists already (not overwritten)", path);
	return rc;
}

/* Writes a ring of |keys| at |path|. */
static int write_ring(int dirfd, const char *path, const char *base, const sts_issuer_key *keys,
		      size_t n, bool replace, sts_error *err)
{
	size_t len = 0;
	char *text = format_ring(keys, n, &len);
	int rc;

	if (!text)
		return sts_error_set(err, "%s: out of memory", path);
	rc = install(dirfd, path, base, text, len, replace, err);
	sts_free_secret(text, len);
	return rc;
}

int sts_keyring_create(const char *path, sts_error *err)
{
	sts_issuer_key key;
	char base[NAME_MAX + 1];
	int dirfd, rc = -1;

	if (!path)
		return sts_error_set(err, "issuer key ring: no path configured");
	dirfd = open_parent(path, base, sizeof(base), err);
	if (dirfd < 0)
		return -1;
	if (fresh_key(&key, NULL, 0, err) == 0)
		rc = write_ring(dirfd, path, base, &key, 1, false, err);
	OPENSSL_cleanse(&key, sizeof(key));
	close(dirfd);
	return rc;
}

/* Serialises rotations of rings in one directory (flock on the directory). */
static int lock_dir(int dirfd, const char *path, sts_error *err)
{
	struct timespec step = { 0, 10 * 1000000L };

	for (int waited = 0; flock(dirfd, LOCK_EX | LOCK_NB) < 0; waited += 10) {
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS)
			return sts_error_set(err, "%s: another rotation holds the lock", path);
		nanosleep(&step, NULL);
	}
	return 0;
}

/* Reads the ring at |base| under |dirfd|: 0, STS_KEYRING_MISSING or -1. */
static int read_ring(int dirfd, const char *path, const char *base, sts_keyring **ring,
		     sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	sts_error why;
	int rc = sts_read_at(dirfd, base, RING_FILE_MAX, STS_READ_ROOT_OR_EUID | STS_READ_PRIVATE,
			     &text, &len, &why);

	if (rc == STS_READ_ENOENT) {
		sts_error_set(err, "%s: no key ring to rotate (stsctl init creates it)", path);
		return STS_KEYRING_MISSING;
	}
	if (rc < 0)
		return sts_error_set(err, "%s: refused (%.600s)", path, why.msg);
	rc = sts_keyring_parse(text, len, path, ring, err);
	sts_free_secret(text, len);
	return rc;
}

int sts_keyring_rotate(const char *path, unsigned keep, sts_error *err)
{
	sts_keyring *old = NULL;
	sts_issuer_key *keys = NULL;
	char base[NAME_MAX + 1];
	size_t n = 0;
	int dirfd, rc = -1;

	if (!path)
		return sts_error_set(err, "issuer key ring: no path configured");
	if (keep < 2 || keep > RING_MAX_KEYS)
		return sts_error_set(err, "issuer key ring: keep must be 2..%d keys",
				     RING_MAX_KEYS);
	dirfd = open_parent(path, base, sizeof(base), err);
	if (dirfd < 0)
		return -1;
	if (lock_dir(dirfd, path, err) < 0)
		goto out;
	rc = read_ring(dirfd, path, base, &old, err);
	if (rc == 0 && !old) {
		sts_error_set(err, "%s: no key ring", path);
		rc = -1;
	}
	if (rc != 0)
		goto out;
	rc = -1;
	keys = calloc(keep, sizeof(*keys));
	if (!keys) {
		sts_error_set(err, "%s: out of memory", path);
		goto out;
	}
	if (fresh_key(&keys[0], old->keys, old->n, err) < 0)
		goto out;
	/* The new key first, then the newest old ones: the oldest drop out. */
	for (n = 1; n < keep && n - 1 < old->n; n++)
		keys[n] = old->keys[n - 1];
	rc = write_ring(dirfd, path, base, keys, n, true, err);
out:
	wipe_keys(keys, keep);
	sts_keyring_free(old);
	close(dirfd); /* releases the lock */
	return rc;
}
