/*
 * The issuer key ring file: creation (once, 0600, never over a ring),
 * rotation (new current key, old ones still verify, keep-N drops the
 * oldest, atomic, no temporary file left), the checks on the file and its
 * directory, and strict parsing.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token/token_internal.h"
#include "testutil.h"
#include "token_fixture.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	umask(077);
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/issuer.key", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static sts_keyring *load(void)
{
	sts_keyring *ring = NULL;
	sts_error err;

	if (sts_keyring_load(path, &ring, &err) < 0)
		fail_msg("load: %s", err.msg);
	return ring;
}

static int load_fails(char *msg, size_t cap)
{
	sts_keyring *ring = NULL;
	sts_error err;
	int rc = sts_keyring_load(path, &ring, &err);

	snprintf(msg, cap, "%s", rc < 0 ? err.msg : "");
	sts_keyring_free(ring);
	return rc < 0;
}

static size_t files_in_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The key id a token was sealed with, as hex. */
static void token_key_id(const char *token, char out[STS_KEY_ID_HEX + 1])
{
	unsigned char *bin = malloc(strlen(token));

	assert_non_null(bin);
	assert_true(sts_b64_decode(token, strlen(token), bin) > STS_TOKEN_HEADER_LEN);
	snprintf(out, STS_KEY_ID_HEX + 1, "%02x%02x%02x%02x", bin[1], bin[2], bin[3], bin[4]);
	free(bin);
}

static void mint_with(const sts_keyring *ring, sts_credentials *cr)
{
	sts_token_claims c;
	sts_error err;

	tf_claims(&c, TF_NOW);
	if (sts_token_mint(ring, &c, cr, &err) < 0)
		fail_msg("mint: %s", err.msg);
	sts_token_claims_free(&c);
}

static int opens(const sts_keyring *ring, const sts_credentials *cr)
{
	sts_token_claims out;
	sts_error err;
	int rc = sts_token_open(ring, cr->session_token, cr->access_key_id, cr->secret_access_key,
				TF_NOW, &out, &err);

	sts_token_claims_free(&out);
	return rc == 0;
}

static void test_create_once(void **state)
{
	char before[512], after[512];
	struct stat st;
	sts_keyring *ring;
	sts_error err;
	FILE *f;

	(void)state;
	assert_int_equal(sts_keyring_create(path, &err), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	ring = load();
	assert_int_equal(sts_keyring_size(ring), 1);
	assert_int_equal(strlen(sts_keyring_current_id(ring)), 8);
	assert_int_equal(strspn(sts_keyring_current_id(ring), "0123456789abcdef"), 8);
	sts_keyring_free(ring);
	f = fopen(path, "r");
	assert_non_null(f);
	before[fread(before, 1, sizeof(before) - 1, f)] = '\0';
	fclose(f);
	assert_int_equal(sts_keyring_create(path, &err), STS_KEYRING_EXISTS);
	assert_non_null(strstr(err.msg, "exists"));
	f = fopen(path, "r");
	assert_non_null(f);
	after[fread(after, 1, sizeof(after) - 1, f)] = '\0';
	fclose(f);
	assert_string_equal(before, after);
	assert_int_equal(files_in_dir(), 1);
}

static void test_rotate_keeps_old_keys(void **state)
{
	sts_credentials first, second;
	char id0[16], id1[16], tid[STS_KEY_ID_HEX + 1];
	sts_keyring *ring;
	sts_error err;

	(void)state;
	ring = load();
	snprintf(id0, sizeof(id0), "%s", sts_keyring_current_id(ring));
	mint_with(ring, &first);
	sts_keyring_free(ring);

	assert_int_equal(sts_keyring_rotate(path, 3, &err), 0);
	ring = load();
	assert_int_equal(sts_keyring_size(ring), 2);
	snprintf(id1, sizeof(id1), "%s", sts_keyring_current_id(ring));
	assert_string_not_equal(id0, id1);
	assert_true(opens(ring, &first)); /* sealed before the rotation */
	mint_with(ring, &second);
	token_key_id(second.session_token, tid);
	assert_string_equal(tid, id1); /* new tokens use the new key */
	token_key_id(first.session_token, tid);
	assert_string_equal(tid, id0);
	sts_keyring_free(ring);

	assert_int_equal(sts_keyring_rotate(path, 3, &err), 0);
	ring = load();
	assert_int_equal(sts_keyring_size(ring), 3);
	assert_true(opens(ring, &first));
	assert_true(opens(ring, &second));
	sts_keyring_free(ring);

	/* A fourth key with keep 3: the first key drops out, its tokens with it. */
	assert_int_equal(sts_keyring_rotate(path, 3, &err), 0);
	ring = load();
	assert_int_equal(sts_keyring_size(ring), 3);
	assert_false(opens(ring, &first));
	assert_true(opens(ring, &second));
	sts_keyring_free(ring);

	/* keep 2 trims to the two newest. */
	assert_int_equal(sts_keyring_rotate(path, 2, &err), 0);
	ring = load();
	assert_int_equal(sts_keyring_size(ring), 2);
	assert_false(opens(ring, &second));
	sts_keyring_free(ring);
	assert_int_equal(files_in_dir(), 1); /* no temporary file left */
	sts_credentials_clear(&first);
	sts_credentials_clear(&second);
}

static void test_rotate_refusals(void **state)
{
	char other[160];
	sts_error err;

	(void)state;
	assert_int_equal(sts_keyring_rotate(path, 1, &err), -1);
	assert_int_equal(sts_keyring_rotate(path, 65, &err), -1);
	snprintf(other, sizeof(other), "%s/none.key", dir);
	assert_int_equal(sts_keyring_rotate(other, 3, &err), STS_KEYRING_MISSING);
	assert_int_equal(access(other, F_OK), -1);
	assert_int_equal(sts_keyring_create(NULL, &err), -1);
	snprintf(other, sizeof(other), "%s/", dir);
	assert_int_equal(sts_keyring_create(other, &err), -1);
	snprintf(other, sizeof(other), "%s/missing-dir/x.key", dir);
	assert_int_equal(sts_keyring_create(other, &err), -1);
}

static void test_file_checks(void **state)
{
	char msg[800], target[160];
	sts_error err;

	(void)state;
	assert_int_equal(chmod(path, 0640), 0);
	assert_true(load_fails(msg, sizeof(msg)));
	assert_non_null(strstr(msg, "group or others"));
	assert_int_equal(sts_keyring_rotate(path, 3, &err), -1); /* rotate checks too */
	assert_int_equal(chmod(path, 0604), 0);
	assert_true(load_fails(msg, sizeof(msg)));
	assert_int_equal(chmod(path, 0600), 0);
	if (geteuid() == 0) { /* another owner: only root can arrange that */
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_true(load_fails(msg, sizeof(msg)));
		assert_non_null(strstr(msg, "owned"));
		assert_int_equal(chown(path, 0, 0), 0);
	}
	/* A link to a valid ring is refused. */
	snprintf(target, sizeof(target), "%s/real.key", dir);
	assert_int_equal(rename(path, target), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_true(load_fails(msg, sizeof(msg)));
	assert_non_null(strstr(msg, "symbolic link"));
	assert_int_equal(sts_keyring_rotate(path, 3, &err), -1);
	assert_int_equal(sts_keyring_create(path, &err), STS_KEYRING_EXISTS);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(target, path), 0);
	/* A directory others may write to is refused for writing. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(sts_keyring_rotate(path, 3, &err), -1);
	assert_non_null(strstr(err.msg, "directory"));
	assert_int_equal(chmod(dir, 0700), 0);
	/* Not a regular file. */
	snprintf(target, sizeof(target), "%s/sub.key", dir);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(sts_keyring_load(target, &(sts_keyring *){ NULL }, &err), -1);
	assert_int_equal(rmdir(target), 0);
}

static void test_parse_strict(void **state)
{
	static const char *const bad[] = {
		"",
		"pam_sts-keyring v1\n",
		"pam_sts-keyring v2\nkey 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"key 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"pam_sts-keyring v1\nkey 0A1B2C3D AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"pam_sts-keyring v1\nkey 0a1b2c3 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"pam_sts-keyring v1\nkey 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"pam_sts-keyring v1\nkey 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= \n",
		"pam_sts-keyring v1\nkey 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
		"pam_sts-keyring v1\nkey 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n",
		"pam_sts-keyring v1\nkey  0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"pam_sts-keyring v1\n\nkey 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"pam_sts-keyring v1\n# note\nkey 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"pam_sts-keyring v1\nkey 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
		"key 0a1b2c3d ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n",
	};
	sts_keyring *ring = NULL;
	sts_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sts_keyring_parse(bad[i], strlen(bad[i]), "t", &ring, &err) == 0)
			fail_msg("ring %zu accepted", i);
		assert_null(ring);
		/* Errors never quote key material. */
		assert_null(strstr(err.msg, "AAECAwQF"));
	}
	assert_int_equal(sts_keyring_parse(tf_ring_text, strlen(tf_ring_text), "t", &ring, &err),
			 0);
	assert_int_equal(sts_keyring_size(ring), 2);
	assert_string_equal(sts_keyring_current_id(ring), "0a1b2c3d");
	sts_keyring_free(ring);
	/* An embedded NUL. */
	assert_int_equal(
		sts_keyring_parse(tf_ring_text, strlen(tf_ring_text) + 1, "t", &ring, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_once),
		cmocka_unit_test(test_rotate_keeps_old_keys),
		cmocka_unit_test(test_rotate_refusals),
		cmocka_unit_test(test_file_checks),
		cmocka_unit_test(test_parse_strict),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
