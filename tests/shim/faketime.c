/*
 * Test-only clock (LD_PRELOAD): when STS_FAKE_TIME_FILE names a readable file
 * holding a number, time() and clock_gettime(CLOCK_REALTIME) return that many
 * seconds. Nothing in the shipped code can be told the time another way.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

time_t time(time_t *out);
int clock_gettime(clockid_t clock, struct timespec *ts);

static int fake_now(long long *now)
{
	const char *path = getenv("STS_FAKE_TIME_FILE");
	FILE *f;
	int ok;

	if (!path || !(f = fopen(path, "re")))
		return 0;
	ok = fscanf(f, "%lld", now) == 1;
	fclose(f);
	return ok;
}

time_t time(time_t *out)
{
	long long now;
	time_t t;

	if (fake_now(&now)) {
		t = (time_t)now;
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		t = ts.tv_sec;
	}
	if (out)
		*out = t;
	return t;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	long long now;

	if (clock == CLOCK_REALTIME && fake_now(&now)) {
		ts->tv_sec = (time_t)now;
		ts->tv_nsec = 0;
		return 0;
	}
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	return real(clock, ts);
}
