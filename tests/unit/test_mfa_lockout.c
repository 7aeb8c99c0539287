/*
 * The lockout against a login state write cut short and a torn record
 * (lib/mfa/mfa_store.c, lib/mfa/mfa_state.c). A user with 4 failures; the 5th,
 * which locks the user out, written under RLIMIT_FSIZE at every byte offset
 * of the state file (and 0) with SIGXFSZ ignored, as a set-uid caller could
 * once impose on the helper: the write fails, and the record read back is
 * the one before it, whole. A state file with no whole record (every slot
 * torn at any byte, or the file cut short) is read as a lockout of
 * lockout_seconds, written back at once, and reported once, naming the file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mfa/mfa_store.h"
#include "mfa/mfa_store_internal.h"
#include "testutil.h"

#define USER	  "mallory"
#define LOCKOUT	  600
#define FILE_SIZE (STS_MFA_STATE_SLOTS * STS_MFA_STATE_SIZE)

static char dir[64];

static sts_mfa_store *open_store(void)
{
	sts_mfa_store *store = NULL;
	sts_error err;

	assert_int_equal(sts_mfa_store_open(dir, 1, &store, &err), 0);
	sts_mfa_store_set_lockout(store, LOCKOUT);
	return store;
}

/* Reads the user's record; the note (or "") into |note|. */
static void read_record(sts_mfa_record *rec, char *note, size_t cap)
{
	sts_mfa_store *store = open_store();
	sts_mfa_lock *lock = NULL;
	sts_error err;

	assert_int_equal(sts_mfa_lock_user(store, USER, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_read(lock, rec, &err), STS_MFA_FOUND);
	snprintf(note, cap, "%s", sts_mfa_state_note(lock) ? sts_mfa_state_note(lock) : "");
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}

/* A device whose login state holds 4 failures and no lockout. */
static void enroll_with_four_failures(int64_t now)
{
	sts_mfa_store *store = open_store();
	sts_mfa_lock *lock = NULL;
	sts_mfa_record rec;
	sts_error err;

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.secret, "12345678901234567890", 20);
	rec.secret_len = 20;
	rec.digits = 6;
	rec.period = 30;
	rec.active = true;
	rec.failures = 4;
	rec.failure_start = now;
	assert_int_equal(sts_mfa_lock_user(store, USER, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_write(lock, &rec, &err), 0);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}

static bool temp_files_left(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".tmp."))
			found = true;
	closedir(d);
	return found;
}

/* The 5th failure's write (failures reset, locked until |until|) under
 * RLIMIT_FSIZE = |limit|: sts_mfa_write's result. */
static int write_fifth_failure(rlim_t limit, int64_t until, sts_error *err)
{
	sts_mfa_store *store = open_store();
	sts_mfa_lock *lock = NULL;
	struct rlimit saved, cut;
	sts_mfa_record rec;
	int rc;

	assert_int_equal(sts_mfa_lock_user(store, USER, 1000, &lock, err), 0);
	assert_int_equal(sts_mfa_read(lock, &rec, err), STS_MFA_FOUND);
	assert_int_equal(rec.failures, 4);
	rec.failures = 0;
	rec.locked_until = until;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	cut = saved;
	cut.rlim_cur = limit;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &cut), 0);
	rc = sts_mfa_write(lock, &rec, err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
	sts_mfa_record_wipe(&rec);
	return rc;
}

static void write_state_file(const char *bytes, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.state", dir, USER);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
}

static void read_state_file(char out[FILE_SIZE])
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.state", dir, USER);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, out, FILE_SIZE), FILE_SIZE);
	close(fd);
}

static void test_cut_write_keeps_the_whole_old_record(void **state)
{
	int64_t now = (int64_t)time(NULL);
	char four[FILE_SIZE];
	sts_mfa_record back;
	char note[800];
	sts_error err;

	(void)state;
	enroll_with_four_failures(now);
	read_state_file(four);
	signal(SIGXFSZ, SIG_IGN);
	for (rlim_t limit = 0; limit <= FILE_SIZE; limit++) {
		write_state_file(four, sizeof(four));
		if (limit < FILE_SIZE) {
			/* Cut short: an error (the login fails), and the record read
			 * back is the old one or (when the bytes the cut kept from
			 * being written were the same) the new one; never a mix. */
			assert_int_equal(write_fifth_failure(limit, now + 900, &err), -1);
			assert_non_null(strstr(err.msg, USER ".state: cannot write"));
			read_record(&back, note, sizeof(note));
			assert_string_equal(note, "");
			if (back.locked_until != now + 900) {
				assert_int_equal(back.failures, 4);
				assert_int_equal(back.locked_until, 0);
			} else {
				assert_int_equal(back.failures, 0);
			}
		} else {
			assert_int_equal(write_fifth_failure(limit, now + 900, &err), 0);
			read_record(&back, note, sizeof(note));
			assert_string_equal(note, "");
			assert_int_equal(back.locked_until, now + 900);
		}
		assert_false(temp_files_left());
	}
	signal(SIGXFSZ, SIG_DFL);
}

/* |torn| read: locked out for LOCKOUT from the read, no failures, one note
 * naming the file, and the lockout written back (the next read: no note). */
static void assert_read_locked(const char *torn, size_t len)
{
	sts_mfa_record back;
	char note[800];
	int64_t t0, t1;

	write_state_file(torn, len);
	t0 = (int64_t)time(NULL);
	read_record(&back, note, sizeof(note));
	t1 = (int64_t)time(NULL);
	assert_non_null(strstr(note, "/" USER ".state: not a whole login state record"));
	assert_non_null(strstr(note, "locked out"));
	assert_true(back.locked_until >= t0 + LOCKOUT && back.locked_until <= t1 + LOCKOUT);
	assert_int_equal(back.failures, 0);
	read_record(&back, note, sizeof(note));
	assert_string_equal(note, "");
	assert_true(back.locked_until >= t0 + LOCKOUT);
}

static void test_torn_record_reads_as_a_lockout(void **state)
{
	char four[FILE_SIZE], locked[FILE_SIZE], torn[FILE_SIZE];
	const char *older, *newer;
	int64_t now = (int64_t)time(NULL);
	sts_error err;

	(void)state;
	enroll_with_four_failures(now);
	read_state_file(four);
	assert_int_equal(write_fifth_failure(RLIM_INFINITY, now + 900, &err), 0);
	read_state_file(locked);
	/* The 5th went to one slot; the other still holds the 4 failures. */
	assert_true(memcmp(locked, four, STS_MFA_STATE_SIZE) == 0 ||
		    memcmp(locked + STS_MFA_STATE_SIZE, four, STS_MFA_STATE_SIZE) == 0);
	newer = memcmp(locked, four, STS_MFA_STATE_SIZE) == 0 ? locked + STS_MFA_STATE_SIZE :
								locked;
	older = four;
	for (size_t cut = 0; cut < STS_MFA_STATE_SIZE; cut++) {
		/* In both slots, the new record's start over the old one's end
		 * (unless the two agree from the cut on: then it is whole). */
		memcpy(torn, newer, cut);
		memcpy(torn + cut, older + cut, STS_MFA_STATE_SIZE - cut);
		memcpy(torn + STS_MFA_STATE_SIZE, torn, STS_MFA_STATE_SIZE);
		if (memcmp(torn, older, STS_MFA_STATE_SIZE) != 0 &&
		    memcmp(torn, newer, STS_MFA_STATE_SIZE) != 0)
			assert_read_locked(torn, sizeof(torn));
	}
	/* The file cut short anywhere, one slot of two included. */
	for (size_t cut = 0; cut < FILE_SIZE; cut++)
		assert_read_locked(locked, cut);
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_write_keeps_the_whole_old_record),
		cmocka_unit_test(test_torn_record_reads_as_a_lockout),
	};
	umask(077);
	return cmocka_run_group_tests(tests, make_store, remove_store);
}
