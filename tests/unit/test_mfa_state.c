/*
 * The split MFA store: the device file written only when the device changes,
 * the login state in place; the state rebuilt after a reboot, a torn or
 * missing file or a device file it does not belong to; the single-file
 * format 1 read and split; state files refused like every store file. The
 * boot id and /proc/stat are files of the test's own (sts_mfa_store_open_at),
 * so a reboot is a write of two files.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mfa/mfa_store.h"
#include "mfa/mfa_store_internal.h"
#include "mfa/totp.h"
#include "testutil.h"

#define BOOT_A "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define BOOT_B "9a8b7c6d-5e4f-4a3b-2c1d-0e1f2a3b4c5d"
#define PERIOD 30

static const unsigned char seed[] = "12345678901234567890";
static char dir[64], proc[64], boot_path[128], stat_path[128];

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* "Reboots" the store's view of the kernel: this boot's id and start time. */
static void set_boot(const char *id, int64_t btime)
{
	char text[256];

	write_file(boot_path, id, 0644);
	snprintf(text, sizeof(text),
		 "cpu  10 0 10 100 0 0 0 0 0 0\nintr 5 1 2\nbtime %lld\n"
		 "processes 42\n",
		 (long long)btime);
	write_file(stat_path, text, 0644);
}

static void path_in_store(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

static void stat_in_store(const char *name, struct stat *st)
{
	char path[160];

	path_in_store(path, sizeof(path), name);
	assert_int_equal(lstat(path, st), 0);
}

static char *slurp(const char *name)
{
	static char text[4096];
	char path[160];
	ssize_t n;
	int fd;

	path_in_store(path, sizeof(path), name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	assert_true(n >= 0);
	text[n] = '\0';
	close(fd);
	return text;
}

static sts_mfa_record device(void)
{
	sts_mfa_record rec;

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.secret, seed, 20);
	rec.secret_len = 20;
	rec.algorithm = STS_TOTP_SHA1;
	rec.digits = 6;
	rec.period = PERIOD;
	rec.active = true;
	return rec;
}

typedef struct {
	sts_mfa_store *store;
	sts_mfa_lock *lock;
} session;

static session open_user(const char *user, unsigned window)
{
	session s;
	sts_error err;

	assert_int_equal(sts_mfa_store_open_at(dir, window, boot_path, stat_path, &s.store, &err),
			 0);
	assert_int_equal(sts_mfa_lock_user(s.store, user, 1000, &s.lock, &err), 0);
	return s;
}

static void close_user(session s)
{
	sts_mfa_unlock(s.lock);
	sts_mfa_store_close(s.store);
}

/* Stores |rec| as a new device (enrollment: no read before the write). */
static void enroll(const char *user, const sts_mfa_record *rec, unsigned window)
{
	session s = open_user(user, window);
	sts_error err;

	assert_int_equal(sts_mfa_write(s.lock, rec, &err), 0);
	close_user(s);
}

/* One read; the note (or "") is copied to |note|. */
static int read_user(const char *user, unsigned window, sts_mfa_record *rec, char *note, size_t cap)
{
	session s = open_user(user, window);
	sts_error err;
	int rc = sts_mfa_read(s.lock, rec, &err);

	snprintf(note, cap, "%s",
		 rc < 0			    ? err.msg :
		 sts_mfa_state_note(s.lock) ? sts_mfa_state_note(s.lock) :
					      "");
	close_user(s);
	return rc;
}

/* What pam_sts's auth does with a code at |now|: 0 accepted (and recorded), 1 refused. */
static int login(const char *user, unsigned window, int64_t now)
{
	session s = open_user(user, window);
	sts_mfa_record rec;
	sts_error err;
	char code[9];
	int64_t step = 0;
	int rc;

	assert_int_equal(sts_mfa_read(s.lock, &rec, &err), STS_MFA_FOUND);
	assert_int_equal(sts_totp_generate(seed, 20, STS_TOTP_SHA1, 6, PERIOD, now, code), 0);
	rc = sts_totp_check(rec.secret, rec.secret_len, rec.algorithm, rec.digits, rec.period, now,
			    window, code, &step);
	assert_true(rc >= 0);
	if (rc == 0 && step <= rec.last_step)
		rc = 1;
	if (rc == 0) {
		rec.last_step = step;
		rec.failures = 0;
	} else {
		rec.failures++;
	}
	assert_int_equal(sts_mfa_write(s.lock, &rec, &err), 0);
	close_user(s);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pam_sts-split-XXXXXX");
	snprintf(proc, sizeof(proc), "/tmp/pam_sts-proc-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(proc));
	snprintf(boot_path, sizeof(boot_path), "%s/boot_id", proc);
	snprintf(stat_path, sizeof(stat_path), "%s/stat", proc);
	set_boot(BOOT_A, (int64_t)time(NULL) - 3600);
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, proc);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_login_rewrites_only_the_state(void **state)
{
	sts_mfa_record rec = device(), back;
	struct stat dev0, dev1, st0, st1;
	int64_t now = (int64_t)time(NULL);
	char note[800];

	(void)state;
	set_boot(BOOT_A, now - 3600);
	enroll("alice", &rec, 1);
	/* Format 2: the device only; the state beside it, fixed size, root 0600. */
	assert_non_null(strstr(slurp("alice"), "version = 2\n"));
	assert_null(strstr(slurp("alice"), "last_step"));
	assert_non_null(strstr(slurp("alice.state"), "boot_id = " BOOT_A "\n"));
	stat_in_store("alice", &dev0);
	stat_in_store("alice.state", &st0);
	assert_int_equal(st0.st_size, STS_MFA_STATE_SLOTS * STS_MFA_STATE_SIZE);
	assert_int_equal(st0.st_mode & 07777, 0600);
	/* A fresh enrollment is not a missing state. */
	assert_int_equal(read_user("alice", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_string_equal(note, "");

	assert_int_equal(login("alice", 1, now), 0);
	assert_int_equal(login("alice", 1, now), 1); /* the same code again: a replay */
	stat_in_store("alice", &dev1);
	stat_in_store("alice.state", &st1);
	/* The device file is untouched; the state replaced whole, root's 0600. */
	assert_int_equal(dev1.st_ino, dev0.st_ino);
	assert_int_equal(dev1.st_mtim.tv_sec, dev0.st_mtim.tv_sec);
	assert_int_equal(dev1.st_mtim.tv_nsec, dev0.st_mtim.tv_nsec);
	assert_int_equal(st1.st_size, STS_MFA_STATE_SLOTS * STS_MFA_STATE_SIZE);
	assert_int_equal(st1.st_mode & 07777, 0600);
	assert_int_equal(read_user("alice", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_string_equal(note, "");
	assert_int_equal(back.last_step, now / PERIOD);
	assert_int_equal(back.failures, 1);
	assert_memory_equal(back.secret, seed, 20);

	/* A changed device is written anew, with its state. */
	back.active = false;
	enroll("alice", &back, 1);
	stat_in_store("alice", &dev1);
	assert_true(dev1.st_ino != dev0.st_ino);
	assert_non_null(strstr(slurp("alice"), "active = no\n"));
}

static void test_reboot_raises_the_floor(void **state)
{
	sts_mfa_record rec = device(), back;
	int64_t now = (int64_t)time(NULL), boot = now - 20;
	char note[800];

	(void)state;
	set_boot(BOOT_A, now - 7200);
	enroll("bob", &rec, 1);
	/* Accepted 25 s ago, in the boot that crashed 20 s ago: its step is in the
	 * window of now, so only the floor can refuse it. Its write was lost: the
	 * state on disk is older (as if the page cache never reached the disk). */
	assert_int_equal(login("bob", 1, now - 300), 0);
	assert_int_equal(login("bob", 1, now - 25), 0);
	{
		session s = open_user("bob", 1);
		sts_error err;
		assert_int_equal(sts_mfa_read(s.lock, &back, &err), STS_MFA_FOUND);
		back.last_step = (now - 300) / PERIOD;
		back.failures = 2;
		back.failure_start = now - 400;
		back.locked_until = now + 600;
		assert_int_equal(sts_mfa_write(s.lock, &back, &err), 0);
		close_user(s);
	}
	set_boot(BOOT_B, boot);
	assert_int_equal(read_user("bob", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_non_null(strstr(note, "bob.state: written before this boot"));
	assert_non_null(strstr(note, "failures and lockout kept"));
	assert_int_equal(back.last_step, boot / PERIOD + 1);
	/* A rebuild never lowers the count nor lifts a lockout. */
	assert_int_equal(back.failures, 2);
	assert_int_equal(back.failure_start, now - 400);
	assert_int_equal(back.locked_until, now + 600);

	/* The lost code is refused; a code after the boot's window is accepted. */
	assert_int_equal(login("bob", 1, now - 25), 1);
	assert_int_equal(login("bob", 1, now + 2 * PERIOD), 0);
	/* Once written in this boot, the state is read as it is. */
	assert_int_equal(read_user("bob", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_string_equal(note, "");
	assert_int_equal(back.last_step, (now + 2 * PERIOD) / PERIOD);

	/* The floor never goes down, and a wider window of the last boot counts. */
	enroll("bob", &rec, 3); /* written with totp_window 3 */
	set_boot(BOOT_A, now - 100);
	assert_int_equal(read_user("bob", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_int_equal(back.last_step, (now - 100) / PERIOD + 3);
	set_boot(BOOT_B, now - 100);
	rec.last_step = now / PERIOD + 9;
	enroll("bob", &rec, 1);
	set_boot(BOOT_A, now - 100);
	assert_int_equal(read_user("bob", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_int_equal(back.last_step, now / PERIOD + 9);
}

/* The floor for a state lost in this boot: past now (read between t0 and t1). */
static void assert_floor_from_now(int64_t floor, int64_t t0, int64_t t1, unsigned window)
{
	assert_true(floor >= t0 / PERIOD + window);
	assert_true(floor <= t1 / PERIOD + window);
}

static void test_torn_or_missing_state_rebuilt(void **state)
{
	sts_mfa_record rec = device(), back;
	char note[800], path[160], torn[STS_MFA_STATE_SIZE + 1];
	struct timespec old[2];
	struct stat st;
	int64_t t0, t1, boot;

	(void)state;
	t0 = (int64_t)time(NULL);
	boot = t0 - 3600;
	set_boot(BOOT_A, boot);
	rec.locked_until = t0 + 600;
	enroll("carol", &rec, 1);
	path_in_store(path, sizeof(path), "carol.state");

	/* Torn in this boot (the whole size, half a record): locked out for
	 * lockout_seconds (900 unless set) from now, floor past now. */
	memset(torn, ' ', STS_MFA_STATE_SIZE);
	torn[STS_MFA_STATE_SIZE] = '\0';
	{
		const char *half = "version = 1\nboot_id = " BOOT_A "\nlast_step = 99999999999\n";
		memcpy(torn, half, strlen(half));
	}
	torn[STS_MFA_STATE_SIZE - 1] = '\n';
	write_file(path, torn, 0600);
	assert_int_equal(read_user("carol", 2, &back, note, sizeof(note)), STS_MFA_FOUND);
	t1 = (int64_t)time(NULL);
	assert_non_null(strstr(note, "carol.state: not a whole login state record"));
	assert_non_null(strstr(note, "locked out"));
	assert_floor_from_now(back.last_step, t0, t1, 2);
	assert_true(back.locked_until >= t0 + 900 && back.locked_until <= t1 + 900);
	assert_int_equal(back.failures, 0);

	/* Torn and last modified before this boot: every lost write was before the boot. */
	write_file(path, torn, 0600);
	old[0].tv_sec = old[1].tv_sec = (time_t)(boot - 50);
	old[0].tv_nsec = old[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(read_user("carol", 2, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_int_equal(back.last_step, boot / PERIOD + 2);

	/* Empty (a crash before the data reached the disk): rebuilt, then written whole. */
	write_file(path, "", 0600);
	assert_int_equal(login("carol", 1, t0 + 10 * PERIOD), 0);
	stat_in_store("carol.state", &st);
	assert_int_equal(st.st_size, STS_MFA_STATE_SLOTS * STS_MFA_STATE_SIZE);
	assert_int_equal(read_user("carol", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_string_equal(note, "");
	assert_int_equal(back.last_step, (t0 + 10 * PERIOD) / PERIOD);

	/* Missing while the device exists. */
	assert_int_equal(unlink(path), 0);
	t0 = (int64_t)time(NULL);
	assert_int_equal(read_user("carol", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	t1 = (int64_t)time(NULL);
	assert_non_null(strstr(note, "carol.state: missing"));
	assert_floor_from_now(back.last_step, t0, t1, 1);
	assert_int_equal(back.failures, 0);
}

static void test_state_of_another_device_file(void **state)
{
	sts_mfa_record rec = device(), back;
	char note[800], from[160], to[160];
	int64_t t0, t1;

	(void)state;
	set_boot(BOOT_A, (int64_t)time(NULL) - 3600);
	/* A floor in another period's steps (far ahead of this device's). */
	rec.last_step = 99999999999LL;
	rec.locked_until = (int64_t)time(NULL) + 600;
	enroll("dave", &rec, 1);
	/* The device file replaced behind the state's back (a crash between the
	 * two renames of a device change leaves this too). */
	path_in_store(from, sizeof(from), "dave");
	path_in_store(to, sizeof(to), "dave.copy");
	{
		char cmd[800];
		snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s' && mv '%s' '%s'", from, to, to, from);
		assert_int_equal(system(cmd), 0);
	}
	t0 = (int64_t)time(NULL);
	assert_int_equal(read_user("dave", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	t1 = (int64_t)time(NULL);
	assert_non_null(strstr(note, "dave.state: written for another device file"));
	assert_floor_from_now(back.last_step, t0, t1, 1);
	assert_int_equal(back.locked_until, rec.locked_until);
}

static void test_format1_is_read_and_split(void **state)
{
	sts_mfa_record back;
	char note[800];
	struct stat st;
	int64_t now = (int64_t)time(NULL);
	char text[600], path[160];

	(void)state;
	set_boot(BOOT_A, now - 3600);
	snprintf(text, sizeof(text),
		 "# pam_sts MFA device: managed by stsctl mfa, do not edit\nversion = 1\n"
		 "secret = GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\nalgorithm = SHA1\ndigits = 6\n"
		 "period = 30\nactive = yes\nlast_step = %lld\nfailures = 2\n"
		 "failure_start = 1700000000\nlocked_until = 0\n",
		 (long long)(now / PERIOD));
	path_in_store(path, sizeof(path), "erin");
	write_file(path, text, 0600);
	/* Read as before: its state fields are the state; no rebuild. */
	assert_int_equal(read_user("erin", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_string_equal(note, "");
	assert_int_equal(back.last_step, now / PERIOD);
	assert_int_equal(back.failures, 2);
	assert_int_equal(back.failure_start, 1700000000);
	/* Its floor holds: the code of now was used. */
	assert_int_equal(login("erin", 1, now), 1);
	/* That write split it: format 2 device, the state beside it. */
	assert_non_null(strstr(slurp("erin"), "version = 2\n"));
	assert_null(strstr(slurp("erin"), "failures"));
	stat_in_store("erin.state", &st);
	assert_int_equal(st.st_size, STS_MFA_STATE_SLOTS * STS_MFA_STATE_SIZE);
	assert_int_equal(read_user("erin", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	assert_string_equal(note, "");
	assert_int_equal(back.last_step, now / PERIOD);
	assert_int_equal(back.failures, 3);

	/* A format 2 file holding state is not a device file. */
	write_file(path,
		   "version = 2\nsecret = GEZDGNBVGY3TQOJQ\ndigits = 6\nperiod = 30\n"
		   "last_step = 5\n",
		   0600);
	assert_int_equal(read_user("erin", 1, &back, note, sizeof(note)), -1);
	assert_non_null(strstr(note, "holds no login state"));
}

static void test_state_file_refused(void **state)
{
	sts_mfa_record rec = device(), back;
	char note[800], path[160], other[160];

	(void)state;
	set_boot(BOOT_A, (int64_t)time(NULL) - 3600);
	enroll("frank", &rec, 1);
	enroll("gina", &rec, 1);
	path_in_store(path, sizeof(path), "frank.state");
	path_in_store(other, sizeof(other), "gina.state");

	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(read_user("frank", 1, &back, note, sizeof(note)), -1);
	assert_non_null(strstr(note, "frank.state: not a regular file"));
	assert_int_equal(chmod(path, 0600), 0);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(read_user("frank", 1, &back, note, sizeof(note)), -1);
	assert_non_null(strstr(note, "frank.state: is a symbolic link (refused)"));
	/* Replacing the device (stsctl mfa import --force) replaces the link, not its target. */
	enroll("frank", &rec, 1);
	assert_int_equal(read_user("frank", 1, &back, note, sizeof(note)), STS_MFA_FOUND);
	{
		struct stat st;
		stat_in_store("frank.state", &st);
		assert_true(S_ISREG(st.st_mode));
	}
	assert_non_null(strstr(slurp("gina.state"), "version = 2\n"));

	/* The store never makes a second link, so one is refused. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(link(other, path), 0);
	assert_int_equal(read_user("frank", 1, &back, note, sizeof(note)), -1);
	assert_non_null(strstr(note, "one link"));
	assert_int_equal(unlink(path), 0);
}

static void test_boot_sources_fail_closed(void **state)
{
	sts_mfa_record rec = device(), back;
	char note[800], id[STS_MFA_BOOT_ID_LEN + 1];
	int64_t btime = 0;
	sts_error err;

	(void)state;
	set_boot(BOOT_A, (int64_t)time(NULL) - 3600);
	enroll("hank", &rec, 1);
	write_file(boot_path, "not a boot id\n", 0644);
	assert_int_equal(read_user("hank", 1, &back, note, sizeof(note)), -1);
	assert_non_null(strstr(note, "not a boot id"));
	/* A reboot with no btime to raise the floor from. */
	set_boot(BOOT_B, 0);
	write_file(stat_path, "cpu 1 2 3\n", 0644);
	assert_int_equal(read_user("hank", 1, &back, note, sizeof(note)), -1);
	assert_non_null(strstr(note, "no btime line"));
	/* The real sources. */
	assert_int_equal(sts_mfa_read_boot_id(STS_MFA_BOOT_ID_PATH, id, &err), 0);
	assert_int_equal(strlen(id), STS_MFA_BOOT_ID_LEN);
	assert_int_equal(sts_mfa_read_btime(STS_MFA_STAT_PATH, &btime, &err), 0);
	assert_true(btime > 1000000000 && btime <= (int64_t)time(NULL));
}

static void test_state_text(void **state)
{
	sts_mfa_state st = { .boot_id = BOOT_A,
			     .device = 1234567,
			     .window = 3,
			     .last_step = 59999999,
			     .failures = 4,
			     .failure_start = 1800000000,
			     .locked_until = 1800000600 },
		      back;
	char text[STS_MFA_STATE_SIZE], bad[STS_MFA_STATE_SIZE + 64];
	sts_error err;

	(void)state;
	assert_int_equal(sts_mfa_state_format(&st, text), 0);
	assert_int_equal(text[STS_MFA_STATE_SIZE - 1], '\n');
	assert_int_equal(sts_mfa_state_parse(text, sizeof(text), "s", &back, &err), 0);
	assert_string_equal(back.boot_id, BOOT_A);
	assert_int_equal(back.device, 1234567);
	assert_int_equal(back.window, 3);
	assert_int_equal(back.last_step, 59999999);
	assert_int_equal(back.failures, 4);
	assert_int_equal(back.failure_start, 1800000000);
	assert_int_equal(back.locked_until, 1800000600);
	/* A key left out, a key twice, an unknown key, a bad boot id. */
	snprintf(bad, sizeof(bad),
		 "version = 1\nboot_id = %s\ndevice = 1\nwindow = 1\n"
		 "last_step = 1\nfailures = 0\nfailure_start = 0\n",
		 BOOT_A);
	assert_int_equal(sts_mfa_state_parse(bad, strlen(bad), "s", &back, &err), -1);
	assert_non_null(strstr(err.msg, "incomplete"));
	strcat(bad, "locked_until = 0\nlocked_until = 0\n");
	assert_int_equal(sts_mfa_state_parse(bad, strlen(bad), "s", &back, &err), -1);
	assert_non_null(strstr(err.msg, "set twice"));
	snprintf(bad, sizeof(bad),
		 "version = 1\nboot_id = %s\ndevice = 1\nwindow = 1\n"
		 "last_step = 1\nfailures = 0\nfailure_start = 0\nlocked_until = 0\n",
		 "ABC");
	assert_int_equal(sts_mfa_state_parse(bad, strlen(bad), "s", &back, &err), -1);
	assert_non_null(strstr(err.msg, "not a boot id"));
	/* Out of range values are not written. */
	st.last_step = -1;
	assert_int_equal(sts_mfa_state_format(&st, text), -1);
	st.last_step = 1;
	memcpy(st.boot_id, "nope", 5);
	assert_int_equal(sts_mfa_state_format(&st, text), -1);
}

static void test_remove_removes_both(void **state)
{
	sts_mfa_record rec = device(), back;
	session s;
	sts_error err;
	struct stat st;
	char path[160];

	(void)state;
	set_boot(BOOT_A, (int64_t)time(NULL) - 3600);
	enroll("ivan", &rec, 1);
	s = open_user("ivan", 1);
	assert_int_equal(sts_mfa_remove(s.lock, &err), 0);
	assert_int_equal(sts_mfa_read(s.lock, &back, &err), STS_MFA_NO_DEVICE);
	close_user(s);
	path_in_store(path, sizeof(path), "ivan");
	assert_int_equal(lstat(path, &st), -1);
	path_in_store(path, sizeof(path), "ivan.state");
	assert_int_equal(lstat(path, &st), -1);
	assert_false(sts_mfa_user_valid("ivan.state"));
	assert_true(sts_mfa_user_valid("ivan.stat"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_rewrites_only_the_state),
		cmocka_unit_test(test_reboot_raises_the_floor),
		cmocka_unit_test(test_torn_or_missing_state_rebuilt),
		cmocka_unit_test(test_state_of_another_device_file),
		cmocka_unit_test(test_format1_is_read_and_split),
		cmocka_unit_test(test_state_file_refused),
		cmocka_unit_test(test_boot_sources_fail_closed),
		cmocka_unit_test(test_state_text),
		cmocka_unit_test(test_remove_removes_both),
	};
	umask(077);
	return cmocka_run_group_tests(tests, setup, teardown);
}
