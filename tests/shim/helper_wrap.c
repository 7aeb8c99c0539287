/*
 * Test-only stand-in for sts-helper (never installed). The PAM tests copy it
 * into their fixture directory and name the copy as `helper` in the test
 * pam_sts.conf. It gives the real helper what the module's clean
 * environment deliberately withholds: the test's users and groups
 * (nss_wrapper, files beside it) and the test clock; and it can misbehave on
 * demand (a file "helper-mode" beside it: crash, hang, garbage, fail, or
 * OP:MODE to misbehave only on requests with op=OP, e.g. "open:crash" once
 * the account phase's "decide" went through) so the tests can prove every
 * phase fails closed.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REQUEST_MAX (256 * 1024)

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

/* Reads the whole request (the module closes its end after writing) and puts
 * it back on a pipe as the real helper's stdin. Returns whether the request
 * is for |op|. */
static int request_is(const char *op)
{
	static char buf[REQUEST_MAX + 1];
	char want[80];
	size_t len = 0;
	ssize_t n;
	int fds[2];

	while (len < REQUEST_MAX && (n = read(0, buf + len, REQUEST_MAX - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	if (pipe(fds) < 0 || write(fds[1], buf, len) != (ssize_t)len)
		exit(126); /* the tests' requests fit in a pipe's buffer */
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	snprintf(want, sizeof(want), "\nop=%s\n", op);
	return strncmp(buf, want + 1, strlen(want + 1)) == 0 || strstr(buf, want) != NULL;
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
	if (strchr(mode, ':')) {
		char *colon = strchr(mode, ':');

		*colon = '\0';
		if (request_is(mode))
			misbehave(colon + 1);
	} else {
		misbehave(mode);
	}
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
	/* nss_wrapper loads libc with RTLD_DEEPBIND for the calls it passes on
	 * (libcurl's getaddrinfo in issuer = aws), which ASan refuses. */
	setenv("NSS_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	execl(PAM_STS_BUILD "/sts-helper", "sts-helper", (char *)NULL);
	return 127;
}
