/*
 * Test-only stand-in for sts-helper (never installed). The PAM tests copy it
 * into their fixture directory and name the copy as `helper` in the test
 * pam_sts.conf. It gives the real helper what the module's clean
 * environment deliberately withholds: the test's users and groups
 * (nss_wrapper, files beside it) and the test clock; and it can misbehave on
 * demand (a file "helper-mode" beside it: crash, hang, garbage, fail) so the
 * tests can prove the session phase fails closed.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void read_mode(const char *dir, char *mode, size_t len)
{
	char path[PATH_MAX + 64];
	FILE *f;

	mode[0] = '\0';
	snprintf(path, sizeof(path), "%s/helper-mode", dir);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(mode, (int)len, f))
		mode[0] = '\0';
	mode[strcspn(mode, "\n")] = '\0';
	fclose(f);
}

static void misbehave(const char *mode)
{
	if (strcmp(mode, "crash") == 0)
		abort();
	if (strcmp(mode, "hang") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(mode, "garbage") == 0) {
		fputs("this is not\nthe protocol\n", stdout);
		exit(0);
	}
	if (strcmp(mode, "fail") == 0)
		exit(3);
}

int main(void)
{
	char self[PATH_MAX], path[PATH_MAX + 64], preload[2 * PATH_MAX], mode[64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return 127;
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	read_mode(self, mode, sizeof(mode));
	misbehave(mode);
	snprintf(path, sizeof(path), "%s/passwd", self);
	setenv("NSS_WRAPPER_PASSWD", path, 1);
	snprintf(path, sizeof(path), "%s/group", self);
	setenv("NSS_WRAPPER_GROUP", path, 1);
	snprintf(path, sizeof(path), "%s/now", self);
	setenv("STS_FAKE_TIME_FILE", path, 1);
	snprintf(preload, sizeof(preload), "%s/libnss_wrapper.so:%s/tests/libfaketime.so",
		 PAM_LIBDIR, PAM_STS_BUILD);
	setenv("LD_PRELOAD", preload, 1);
	setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
	execl(PAM_STS_BUILD "/sts-helper", "sts-helper", (char *)NULL);
	return 127;
}
