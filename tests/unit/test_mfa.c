/* TOTP (RFC 6238 vectors) and the MFA store: records, locks, refusals. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mfa/mfa_side.h"
#include "mfa/mfa_store.h"
#include "mfa/totp.h"
#include "testutil.h"

static const struct {
	int64_t t;
	const char *sha1, *sha256, *sha512;
} rfc6238[] = {
	{ 59, "94287082", "46119246", "90693936" },
	{ 1111111109, "07081804", "68084774", "25091201" },
	{ 1111111111, "14050471", "67062674", "99943326" },
	{ 1234567890, "89005924", "91819424", "93441116" },
	{ 2000000000, "69279037", "90698825", "38618901" },
	{ 20000000000LL, "65353130", "77737706", "47863826" },
};

static const char *const seeds[] = {
	"12345678901234567890",
	"12345678901234567890123456789012",
	"1234567890123456789012345678901234567890123456789012345678901234",
};

static void test_rfc6238_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		const char *want[3] = { rfc6238[i].sha1, rfc6238[i].sha256, rfc6238[i].sha512 };
		for (int alg = 0; alg < 3; alg++) {
			char code[9];
			int64_t step = -1;
			const unsigned char *seed = (const unsigned char *)seeds[alg];
			assert_int_equal(sts_totp_generate(seed, strlen(seeds[alg]),
							   (sts_totp_alg)alg, 8, 30, rfc6238[i].t,
							   code),
					 0);
			assert_string_equal(code, want[alg]);
			assert_int_equal(sts_totp_check(seed, strlen(seeds[alg]), (sts_totp_alg)alg,
							8, 30, rfc6238[i].t, 0, want[alg], &step),
					 0);
			assert_int_equal(step, rfc6238[i].t / 30);
		}
	}
}

static void test_window_and_wrong_codes(void **state)
{
	const unsigned char *seed = (const unsigned char *)seeds[0];
	int64_t now = 1700000000, step = 0;
	char code[9];

	(void)state;
	assert_int_equal(sts_totp_generate(seed, 20, STS_TOTP_SHA1, 6, 30, now - 30, code), 0);
	assert_int_equal(sts_totp_check(seed, 20, STS_TOTP_SHA1, 6, 30, now, 1, code, &step), 0);
	assert_int_equal(step, (now - 30) / 30);
	assert_int_equal(sts_totp_check(seed, 20, STS_TOTP_SHA1, 6, 30, now, 0, code, &step), 1);
	assert_int_equal(sts_totp_generate(seed, 20, STS_TOTP_SHA1, 6, 30, now - 60, code), 0);
	assert_int_equal(sts_totp_check(seed, 20, STS_TOTP_SHA1, 6, 30, now, 1, code, &step), 1);
	assert_int_equal(sts_totp_check(seed, 20, STS_TOTP_SHA1, 6, 30, now, 1, "12345", &step), 1);
	assert_int_equal(sts_totp_check(seed, 20, STS_TOTP_SHA1, 6, 30, now, 1, "12a456", &step),
			 1);
	assert_int_equal(sts_totp_check(seed, 20, STS_TOTP_SHA1, 6, 30, now, 1, "", &step), 1);
}

static char dir[64];

static int make_store(void **state)
{
	(void)state;
	return tu_mkdtemp(dir, sizeof(dir));
}

static int remove_store(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static sts_mfa_record sample(void)
{
	sts_mfa_record rec;

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.secret, seeds[1], 32);
	rec.secret_len = 32;
	rec.algorithm = STS_TOTP_SHA256;
	rec.digits = 8;
	rec.period = 60;
	rec.active = true;
	rec.last_step = 28333333;
	rec.failures = 2;
	rec.failure_start = 1700000000;
	return rec;
}

static void test_store_round_trip(void **state)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_mfa_record rec = sample(), back;
	sts_error err;

	(void)state;
	assert_int_equal(sts_mfa_store_open(dir, 1, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, "alice", 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_read(lock, &back, &err), STS_MFA_NO_DEVICE);
	assert_int_equal(sts_mfa_write(lock, &rec, &err), 0);
	assert_int_equal(sts_mfa_read(lock, &back, &err), STS_MFA_FOUND);
	assert_memory_equal(back.secret, rec.secret, 32);
	assert_int_equal(back.secret_len, 32);
	assert_int_equal(back.algorithm, STS_TOTP_SHA256);
	assert_int_equal(back.digits, 8);
	assert_int_equal(back.period, 60);
	assert_true(back.active);
	assert_int_equal(back.last_step, 28333333);
	assert_int_equal(back.failures, 2);
	assert_int_equal(sts_mfa_remove(lock, &err), 0);
	assert_int_equal(sts_mfa_read(lock, &back, &err), STS_MFA_NO_DEVICE);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}

static void put_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static void expect_read_error(const char *user, const char *needle)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_mfa_record back;
	sts_error err;

	assert_int_equal(sts_mfa_store_open(dir, 1, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, user, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_read(lock, &back, &err), -1);
	if (!strstr(err.msg, needle))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, needle);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}

static void test_store_refuses_bad_files(void **state)
{
	char target[128], link[128];

	(void)state;
	put_file("corrupt", "version = 1\nsecret = !!!\ndigits = 6\nperiod = 30\n", 0600);
	expect_read_error("corrupt", "secret is not base32");
	put_file("garbage", "\x01\x02 not a record\n", 0600);
	expect_read_error("garbage", "expected \"key = value\"");
	put_file("loose", "version = 1\n", 0644);
	expect_read_error("loose", "accessible by group or others");
	snprintf(target, sizeof(target), "%s/corrupt", dir);
	snprintf(link, sizeof(link), "%s/linked", dir);
	assert_int_equal(symlink(target, link), 0);
	expect_read_error("linked", "symbolic link");
}

static void test_store_directory_checked(void **state)
{
	sts_mfa_store *store;
	sts_error err;

	(void)state;
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(sts_mfa_store_open(dir, 1, &store, &err), -1);
	assert_non_null(strstr(err.msg, "mode 0700"));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(sts_mfa_store_open("/nonexistent/pam_sts", 1, &store, &err), -1);
}

static void test_lock_is_exclusive_and_dies_with_its_holder(void **state)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_error err;
	int status;
	pid_t child;

	(void)state;
	assert_int_equal(sts_mfa_store_open(dir, 1, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, "bob", 1000, &lock, &err), 0);
	child = fork();
	if (child == 0) {
		sts_mfa_lock *other;
		/* Held by the parent: the child must give up after its timeout. */
		_exit(sts_mfa_lock_user(store, "bob", 50, &other, &err) == -1 ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(WEXITSTATUS(status), 0);
	sts_mfa_unlock(lock);
	child = fork();
	if (child == 0) {
		sts_mfa_lock *held;
		/* Take the lock and die holding it, as a crashed login would. */
		_exit(sts_mfa_lock_user(store, "bob", 1000, &held, &err) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sts_mfa_lock_user(store, "bob", 1000, &lock, &err), 0);
	sts_mfa_unlock(lock);
	assert_int_equal(sts_mfa_lock_user(store, "../etc", 1000, &lock, &err), -1);
	assert_false(sts_mfa_user_valid("bob.lock"));
	assert_false(sts_mfa_user_valid("bob.tmp.12"));
	assert_true(sts_mfa_user_valid("john.doe"));
	sts_mfa_store_close(store);
}

/*
 * The side files (lib/mfa/mfa_side.h): a pending device beside the device, which
 * it does not touch; scratch codes used once each; a scratch record that is
 * not one, or a link, refused (the login fails closed, not open).
 */
static void test_pending_device_and_scratch_codes(void **state)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_mfa_record rec = sample(), pending = sample(), back;
	char codes[2][STS_MFA_SCRATCH_DIGITS + 1], path[128];
	unsigned left = 9;
	sts_error err;

	(void)state;
	assert_int_equal(sts_mfa_store_open(dir, 1, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, "paul", 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_write(lock, &rec, &err), 0);
	pending.secret[0] ^= 1;
	pending.active = false;
	assert_int_equal(sts_mfa_pending_read(lock, &back, &err), STS_MFA_NO_DEVICE);
	assert_int_equal(sts_mfa_pending_write(lock, &pending, &err), 0);
	assert_int_equal(sts_mfa_pending_read(lock, &back, &err), STS_MFA_FOUND);
	assert_memory_equal(back.secret, pending.secret, 32);
	assert_false(back.active);
	assert_int_equal(sts_mfa_read(lock, &back, &err), STS_MFA_FOUND);
	assert_memory_equal(back.secret, rec.secret, 32); /* the device is untouched */
	assert_true(back.active);
	assert_int_equal(sts_mfa_pending_remove(lock, &err), 0);
	assert_int_equal(sts_mfa_pending_read(lock, &back, &err), STS_MFA_NO_DEVICE);

	assert_int_equal(sts_mfa_scratch_new(lock, 2, codes, &err), 0);
	assert_int_equal(sts_mfa_scratch_use(lock, "1234567", &left, &err), 0); /* 7 digits */
	assert_int_equal(sts_mfa_scratch_use(lock, codes[1], &left, &err), 1);
	assert_int_equal(left, 1);
	assert_int_equal(sts_mfa_scratch_use(lock, codes[1], &left, &err), 0);
	assert_int_equal(sts_mfa_scratch_count(lock, &left, &err), 0);
	assert_int_equal(left, 1);
	assert_int_equal(sts_mfa_scratch_new(lock, 21, codes, &err), -1);
	put_file("paul.scratch", "version = 1\ncode = 00 11\n", 0600);
	assert_int_equal(sts_mfa_scratch_use(lock, codes[0], &left, &err), -1);
	assert_non_null(strstr(err.msg, "paul.scratch: not a scratch code record"));
	put_file("paul.scratch", "version = 1\n", 0644);
	assert_int_equal(sts_mfa_scratch_use(lock, codes[0], &left, &err), -1);
	snprintf(path, sizeof(path), "%s/paul.scratch", dir);
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(sts_mfa_scratch_count(lock, &left, &err), -1);
	assert_int_equal(sts_mfa_scratch_remove(lock, &err), 0);
	assert_int_equal(sts_mfa_scratch_count(lock, &left, &err), 0);
	assert_int_equal(left, 0);
	assert_false(sts_mfa_user_valid("paul.pending"));
	assert_false(sts_mfa_user_valid("paul.scratch"));
	sts_mfa_record_wipe(&back);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_window_and_wrong_codes),
		cmocka_unit_test(test_store_round_trip),
		cmocka_unit_test(test_store_refuses_bad_files),
		cmocka_unit_test(test_store_directory_checked),
		cmocka_unit_test(test_lock_is_exclusive_and_dies_with_its_holder),
		cmocka_unit_test(test_pending_device_and_scratch_codes),
	};
	umask(077);
	return cmocka_run_group_tests(tests, make_store, remove_store);
}
