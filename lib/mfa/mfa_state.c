/*
 * The login state file of the MFA store (USER.state): the replay floor, the
 * failure count and the lockout, with the boot and the device file it was
 * written for. The store overwrites one of its two slots on every attempt
 * without fsync (mfa_store_state.c), so after a power loss it may be older
 * than the last login, torn, or missing. The
 * rules below rebuild it from what the kernel says of the boot, so that no
 * code accepted before the crash can be accepted again, and so that no
 * rebuild lowers the failure count or lifts a lockout.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/fileio.h"
#include "base/kv_reader.h"
#include "mfa/mfa_store_internal.h"

/*
 * Version 2 ends in a checksum line at a fixed place: the SHA-256 of every
 * byte before it. A record cut short, or whose start is one write and whose
 * end another, fails it and is torn, whatever its lines say. Version 1 (no
 * checksum) is what earlier releases wrote; it is still read, never written.
 */
#define STATE_VERSION	    2
#define STATE_VERSION_PLAIN 1
#define CHECKSUM_KEY	    "checksum = "
#define CHECKSUM_HEX	    (2 * 32)
#define CHECKSUM_LINE	    (sizeof(CHECKSUM_KEY) - 1 + CHECKSUM_HEX + 1)
#define CHECKSUM_AT	    (STS_MFA_STATE_SIZE - CHECKSUM_LINE)
/* /proc/stat grows with the CPUs and interrupt lines; btime is near its end. */
#define PROC_STAT_MAX (4u * 1024u * 1024u)
/* Marks a key the file does not set (no CFG_UINT value can be it). */
#define ABSENT ULONG_MAX

typedef struct {
	unsigned long version, sequence;
	char *boot_id, *checksum;
	unsigned long device, window, last_step, failures, failure_start, locked_until;
} state_text;

static const sts_config_key state_keys[] = {
	{ "version", CFG_UINT, offsetof(state_text, version), STATE_VERSION_PLAIN, STATE_VERSION,
	  NULL },
	{ "boot_id", CFG_STRING, offsetof(state_text, boot_id), 0, 0, NULL },
	{ "checksum", CFG_STRING, offsetof(state_text, checksum), 0, 0, NULL },
	{ "sequence", CFG_UINT, offsetof(state_text, sequence), 0, ULONG_MAX - 1, NULL },
	{ "device", CFG_UINT, offsetof(state_text, device), 0, ULONG_MAX - 1, NULL },
	{ "window", CFG_UINT, offsetof(state_text, window), 0, 10, NULL },
	{ "last_step", CFG_UINT, offsetof(state_text, last_step), 0, (unsigned long)INT64_MAX,
	  NULL },
	{ "failures", CFG_UINT, offsetof(state_text, failures), 0, 1000000, NULL },
	{ "failure_start", CFG_UINT, offsetof(state_text, failure_start), 0,
	  (unsigned long)INT64_MAX, NULL },
	{ "locked_until", CFG_UINT, offsetof(state_text, locked_until), 0, (unsigned long)INT64_MAX,
	  NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The kernel's form: 8-4-4-4-12 lower-case hex digits. */
static bool boot_id_valid(const char *s)
{
	for (size_t i = 0; i < STS_MFA_BOOT_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];

		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[STS_MFA_BOOT_ID_LEN] == '\0';
}

/* The checksum line's value for the |CHECKSUM_AT| bytes at |text|: 0, or -1
 * when OpenSSL fails (out of memory). */
static int checksum_hex(const char *text, char hex[CHECKSUM_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(text, CHECKSUM_AT, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen * 2 != CHECKSUM_HEX)
		return -1;
	for (unsigned int i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[CHECKSUM_HEX] = '\0';
	return 0;
}

/* Version 2's checksum: the record's whole size, the line in its place, and
 * the digest of everything before it. 0, -1 (|err| set), STS_MFA_STATE_NOMEM. */
static int check_checksum(const char *text, size_t len, const char *name, sts_error *err)
{
	const char *line = text + CHECKSUM_AT, *value = line + sizeof(CHECKSUM_KEY) - 1;
	char hex[CHECKSUM_HEX + 1];

	if (len != STS_MFA_STATE_SIZE ||
	    memcmp(line, CHECKSUM_KEY, sizeof(CHECKSUM_KEY) - 1) != 0 ||
	    text[STS_MFA_STATE_SIZE - 1] != '\n')
		return sts_error_set(err, "%s: no checksum line where it belongs", name);
	if (checksum_hex(text, hex) < 0) {
		sts_error_set(err, "%s: out of memory", name);
		return STS_MFA_STATE_NOMEM;
	}
	/* Integrity against tearing, not a secret: a plain compare. */
	if (memcmp(value, hex, CHECKSUM_HEX) != 0)
		return sts_error_set(err, "%s: checksum mismatch", name);
	return 0;
}

int sts_mfa_state_parse(const char *text, size_t len, const char *name, sts_mfa_state *st,
			sts_error *err)
{
	state_text t;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	t.device = t.window = t.last_step = t.failures = t.failure_start = t.locked_until = ABSENT;
	t.sequence = ABSENT;
	memset(st, 0, sizeof(*st));
	/* The parser's only allocations are the copies of strings; malloc(3)
	 * says ENOMEM, and nothing else in the parse sets it. */
	errno = 0;
	if (sts_config_parse(text, len, name, state_keys, &t, err) < 0) {
		if (errno == ENOMEM) {
			sts_error_set(err, "%s: out of memory", name);
			rc = STS_MFA_STATE_NOMEM;
		}
		goto out;
	}
	/* A torn write must not pass for a record with a key left at zero. */
	if (t.version == 0 || !t.boot_id || t.device == ABSENT || t.window == ABSENT ||
	    t.last_step == ABSENT || t.failures == ABSENT || t.failure_start == ABSENT ||
	    t.locked_until == ABSENT || (t.version == STATE_VERSION) != (t.checksum != NULL) ||
	    (t.version == STATE_VERSION) != (t.sequence != ABSENT)) {
		sts_error_set(err, "%s: incomplete login state record", name);
		goto out;
	}
	if (t.version == STATE_VERSION && (rc = check_checksum(text, len, name, err)) != 0)
		goto out;
	rc = -1;
	if (strlen(t.boot_id) != STS_MFA_BOOT_ID_LEN || !boot_id_valid(t.boot_id)) {
		sts_error_set(err, "%s: boot_id is not a boot id", name);
		goto out;
	}
	memcpy(st->boot_id, t.boot_id, STS_MFA_BOOT_ID_LEN + 1);
	st->version = (unsigned)t.version;
	st->sequence = t.sequence == ABSENT ? 0 : t.sequence;
	st->device = t.device;
	st->window = (unsigned)t.window;
	st->last_step = (int64_t)t.last_step;
	st->failures = (unsigned)t.failures;
	st->failure_start = (int64_t)t.failure_start;
	st->locked_until = (int64_t)t.locked_until;
	rc = 0;
out:
	free(t.boot_id);
	free(t.checksum);
	return rc;
}

int sts_mfa_state_format(const sts_mfa_state *st, char out[STS_MFA_STATE_SIZE])
{
	char hex[CHECKSUM_HEX + 1];
	int n;

	if (!boot_id_valid(st->boot_id) || st->device >= ULONG_MAX || st->sequence >= ULONG_MAX ||
	    st->window > 10 || st->last_step < 0 || st->failure_start < 0 || st->locked_until < 0 ||
	    st->failures > 1000000)
		return -1;
	n = snprintf(out, CHECKSUM_AT,
		     "# pam_sts MFA login state: managed by pam_sts, do not edit\n"
		     "version = %d\nsequence = %llu\nboot_id = %s\ndevice = %llu\nwindow = %u\n"
		     "last_step = %lld\nfailures = %u\nfailure_start = %lld\nlocked_until = %lld\n",
		     STATE_VERSION, (unsigned long long)st->sequence, st->boot_id,
		     (unsigned long long)st->device, st->window, (long long)st->last_step,
		     st->failures, (long long)st->failure_start, (long long)st->locked_until);
	if (n < 0 || (size_t)n + 2 > CHECKSUM_AT)
		return -1;
	/* Padded with one comment line to the checksum line's place. */
	memset(out + n, ' ', CHECKSUM_AT - (size_t)n);
	out[n] = '#';
	out[CHECKSUM_AT - 1] = '\n';
	if (checksum_hex(out, hex) < 0)
		return -1;
	memcpy(out + CHECKSUM_AT, CHECKSUM_KEY, sizeof(CHECKSUM_KEY) - 1);
	memcpy(out + CHECKSUM_AT + sizeof(CHECKSUM_KEY) - 1, hex, CHECKSUM_HEX);
	out[STS_MFA_STATE_SIZE - 1] = '\n';
	return 0;
}

/*
 * The running kernel's boot id cannot change while a process lives, so it is
 * read from /proc once per process (the resident helper answers many logins).
 * Other paths (the tests' own files, to play a reboot) are read on every call.
 * Locked: the resident helper's worker threads share it.
 */
static pthread_mutex_t boot_id_lock = PTHREAD_MUTEX_INITIALIZER;
static char kernel_boot_id[STS_MFA_BOOT_ID_LEN + 1];

static bool kept_boot_id(char out[STS_MFA_BOOT_ID_LEN + 1], const char *keep)
{
	bool kept;

	pthread_mutex_lock(&boot_id_lock);
	if (keep)
		memcpy(kernel_boot_id, keep, sizeof(kernel_boot_id));
	kept = kernel_boot_id[0] != '\0';
	if (kept && out)
		memcpy(out, kernel_boot_id, sizeof(kernel_boot_id));
	pthread_mutex_unlock(&boot_id_lock);
	return kept;
}

int sts_mfa_read_boot_id(const char *path, char out[STS_MFA_BOOT_ID_LEN + 1], sts_error *err)
{
	bool kernel = strcmp(path, STS_MFA_BOOT_ID_PATH) == 0;
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	if (kernel && kept_boot_id(out, NULL))
		return 0;
	if (sts_read_file(path, 64, STS_READ_NOFOLLOW, &text, &len, err) < 0)
		return -1;
	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (len == STS_MFA_BOOT_ID_LEN && boot_id_valid(text)) {
		memcpy(out, text, STS_MFA_BOOT_ID_LEN + 1);
		if (kernel)
			kept_boot_id(NULL, text);
		rc = 0;
	} else {
		sts_error_set(err, "%s: not a boot id", path);
	}
	free(text);
	return rc;
}

int sts_mfa_read_btime(const char *path, int64_t *btime, sts_error *err)
{
	char *text = NULL, *line, *end;
	size_t len = 0;
	long long v;
	int rc = -1;

	if (sts_read_file(path, PROC_STAT_MAX, STS_READ_NOFOLLOW, &text, &len, err) < 0)
		return -1;
	line = strncmp(text, "btime ", 6) == 0 ? text : strstr(text, "\nbtime ");
	if (line) {
		line += line == text ? 6 : 7;
		errno = 0;
		v = strtoll(line, &end, 10);
		if (!errno && end != line && (*end == '\n' || *end == '\0') && v > 0) {
			*btime = (int64_t)v;
			rc = 0;
		}
	}
	if (rc < 0)
		sts_error_set(err, "%s: no btime line", path);
	free(text);
	return rc;
}

void sts_mfa_state_rebuild(sts_mfa_state *st, sts_mfa_state_fault fault, unsigned period,
			   unsigned window, int64_t since, int64_t torn_locked_until)
{
	bool intact = fault == STS_MFA_STATE_OTHER_BOOT || fault == STS_MFA_STATE_OTHER_DEVICE;
	int64_t floor;

	/* A window that was wider when the lost writes happened counts. */
	if (fault == STS_MFA_STATE_OTHER_BOOT && st->window > window)
		window = st->window;
	/* Every code accepted before |since| had a step of at most since's
	 * step plus the window; so codes up to that step are refused. */
	floor = since / (int64_t)period + (int64_t)window;
	/* The recorded floor is this device's only when the record says so. */
	if (fault == STS_MFA_STATE_OTHER_BOOT && st->last_step > floor)
		floor = st->last_step;
	st->last_step = floor;
	/* An intact record keeps its count and its lockout: a rebuild never
	 * lowers either. A torn one tells neither, and a user who can tear it
	 * must gain nothing: it becomes a lockout, as many failures would. */
	if (intact)
		return;
	st->failures = 0;
	st->failure_start = 0;
	st->locked_until = fault == STS_MFA_STATE_TORN ? torn_locked_until : 0;
}
