/*
 * Fleet secrets sealed at rest (lib/mfa/fleet_seal.h): a round trip, the user
 * name as associated data, a changed byte anywhere, a key id not in the key
 * file, rotation (old ciphertexts readable, re-sealed under the new key), and
 * the key file's parser and its checks on the open file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "mfa/fleet_seal.h"
#include "testutil.h"

#define KEY_A "7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
#define KEY_B "3 ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n"

static const unsigned char secret[] = "12345678901234567890";
#define SECRET_LEN (sizeof(secret) - 1)

static void ring_of(const char *text, sts_fleet_keyring *ring)
{
	sts_error err;

	assert_int_equal(sts_fleet_keyring_parse(text, strlen(text), ring, &err), 0);
}

static void seal_for(const sts_fleet_keyring *ring, const char *user, unsigned char *out,
		     size_t *len)
{
	sts_error err;

	assert_int_equal(sts_fleet_seal(ring, user, secret, SECRET_LEN, out, 128, len, &err), 0);
	assert_int_equal(*len, SECRET_LEN + STS_FLEET_SEAL_OVERHEAD);
}

static int opens(const sts_fleet_keyring *ring, const char *user, const unsigned char *sealed,
		 size_t len)
{
	unsigned char out[64];
	size_t out_len = 0;
	sts_error err;
	int rc = sts_fleet_unseal(ring, user, sealed, len, out, sizeof(out), &out_len, &err);

	if (rc == 0 && (out_len != SECRET_LEN || memcmp(out, secret, SECRET_LEN) != 0))
		fail_msg("unsealed to a different secret");
	return rc;
}

static void test_round_trip(void **state)
{
	sts_fleet_keyring ring;
	unsigned char a[128], b[128];
	size_t a_len, b_len;

	(void)state;
	ring_of(KEY_A, &ring);
	seal_for(&ring, "alice", a, &a_len);
	seal_for(&ring, "alice", b, &b_len);
	assert_int_equal(opens(&ring, "alice", a, a_len), 0);
	assert_int_equal(sts_fleet_sealed_key_id(a, a_len), 7);
	/* A fresh nonce each time, and no plaintext in the ciphertext. */
	assert_memory_not_equal(a + 5, b + 5, STS_FLEET_NONCE_LEN);
	assert_null(memmem(a, a_len, secret, 8));
	sts_fleet_keyring_wipe(&ring);
}

/* The fixture of the tests below: alice's secret sealed under KEY_A. */
static sts_fleet_keyring alice_ring;
static unsigned char alice_sealed[128];
static size_t alice_len;

static int seal_alice(void **state)
{
	(void)state;
	ring_of(KEY_A, &alice_ring);
	seal_for(&alice_ring, "alice", alice_sealed, &alice_len);
	return 0;
}

static void test_other_user_fails(void **state)
{
	(void)state;
	assert_int_equal(opens(&alice_ring, "bob", alice_sealed, alice_len), -1);
	assert_int_equal(opens(&alice_ring, "alic", alice_sealed, alice_len), -1);
	assert_int_equal(opens(&alice_ring, "alice", alice_sealed, alice_len), 0);
}

static void test_any_changed_byte_fails(void **state)
{
	(void)state;
	for (size_t i = 0; i < alice_len; i++) {
		alice_sealed[i] ^= 0x01;
		assert_int_equal(opens(&alice_ring, "alice", alice_sealed, alice_len), -1);
		alice_sealed[i] ^= 0x01;
	}
	assert_int_equal(opens(&alice_ring, "alice", alice_sealed, alice_len - 1), -1);
	assert_int_equal(opens(&alice_ring, "alice", alice_sealed, STS_FLEET_SEAL_OVERHEAD), -1);
}

static void test_unknown_key_id(void **state)
{
	sts_fleet_keyring ring_a, ring_b;
	unsigned char a[128];
	size_t a_len;
	unsigned char out[64];
	size_t out_len;
	sts_error err;

	(void)state;
	ring_of(KEY_A, &ring_a);
	ring_of(KEY_B, &ring_b);
	seal_for(&ring_a, "alice", a, &a_len);
	assert_int_equal(
		sts_fleet_unseal(&ring_b, "alice", a, a_len, out, sizeof(out), &out_len, &err), -1);
	assert_non_null(strstr(err.msg, "key id 7"));
}

static void test_rotation(void **state)
{
	sts_fleet_keyring ring, reread;
	unsigned char old[128], fresh[128];
	size_t old_len, fresh_len;
	sts_error err;
	char *text;

	(void)state;
	ring_of(KEY_A KEY_B, &ring);
	seal_for(&ring, "alice", old, &old_len);
	assert_int_equal(sts_fleet_sealed_key_id(old, old_len), 7);
	assert_int_equal(sts_fleet_keyring_rotate(&ring, &err), 0);
	assert_int_equal(ring.count, 3);
	assert_int_equal(ring.keys[0].id, 8);
	assert_int_equal(opens(&ring, "alice", old, old_len), 0);
	assert_int_equal(sts_fleet_reseal(&ring, "alice", old, old_len, fresh, sizeof(fresh),
					  &fresh_len, &err),
			 0);
	assert_int_equal(sts_fleet_sealed_key_id(fresh, fresh_len), 8);
	assert_int_equal(opens(&ring, "alice", fresh, fresh_len), 0);
	/* The rotated ring written out and read back is the same ring. */
	text = sts_fleet_keyring_format(&ring);
	assert_non_null(text);
	ring_of(text, &reread);
	sts_free_secret_str(text);
	assert_int_equal(reread.count, 3);
	assert_memory_equal(&reread, &ring, sizeof(ring));
	/* Dropping the old key makes what it sealed unreadable. */
	reread.count = 1;
	assert_int_equal(opens(&reread, "alice", old, old_len), -1);
	assert_int_equal(opens(&reread, "alice", fresh, fresh_len), 0);
}

static void test_key_file_parser(void **state)
{
	static const char *const bad[] = {
		"",
		"0 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\n",
		"7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fzz\n",
		"7  000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"x 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"4294967296 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		KEY_A KEY_A,
		KEY_A "\n",
	};
	sts_fleet_keyring ring;
	sts_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sts_fleet_keyring_parse(bad[i], strlen(bad[i]), &ring, &err) == 0)
			fail_msg("key file %zu accepted", i);
	ring_of(KEY_B KEY_A, &ring);
	assert_int_equal(ring.count, 2);
	assert_int_equal(ring.keys[0].id, 3);
	assert_int_equal(ring.keys[0].key[0], 0xff);
}

static void test_key_file_checks(void **state)
{
	char dir[] = "/tmp/fleet-seal.XXXXXX", path[64], link_path[64];
	sts_fleet_keyring ring;
	sts_error err;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fleet.key", dir);
	snprintf(link_path, sizeof(link_path), "%s/link.key", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, KEY_A, strlen(KEY_A)), (ssize_t)strlen(KEY_A));
	close(fd);
	assert_int_equal(sts_fleet_keyring_load(path, &ring, &err), 0);
	assert_int_equal(ring.keys[0].id, 7);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(sts_fleet_keyring_load(link_path, &ring, &err), -1);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(sts_fleet_keyring_load(path, &ring, &err), -1);
	unlink(link_path);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test_setup(test_other_user_fails, seal_alice),
		cmocka_unit_test_setup(test_any_changed_byte_fails, seal_alice),
		cmocka_unit_test(test_unknown_key_id),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_key_file_parser),
		cmocka_unit_test(test_key_file_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
