/*
 * Resource limits and signal dispositions a privileged process sets for
 * itself instead of keeping its caller's (proc_reset.h says why).
 */
#include "base/proc_reset.h"

#include <stdbool.h>
#include <stddef.h>

/* The kernel's default stack limit: what the helper's memory layout and
 * recursion were made for, whatever the caller set (an unlimited stack also
 * changes where the kernel places mappings). */
#define STACK_SOFT (8ul * 1024ul * 1024ul)
#define NOFILE_MIN 1024ul

typedef struct {
	rlim_t soft; /* the soft limit the process gets */
	int resource;
	bool exact; /* this value, not "at least this value" */
} limit_rule;

static const limit_rule rules[STS_PROC_LIMITS] = {
	{ RLIM_INFINITY, RLIMIT_FSIZE, false }, { RLIM_INFINITY, RLIMIT_CPU, false },
	{ RLIM_INFINITY, RLIMIT_AS, false },	{ RLIM_INFINITY, RLIMIT_DATA, false },
	{ NOFILE_MIN, RLIMIT_NOFILE, false },	{ STACK_SOFT, RLIMIT_STACK, true },
};

/* RLIM_INFINITY is the largest rlim_t, so plain comparisons order it right. */
static rlim_t max_limit(rlim_t a, rlim_t b)
{
	return a > b ? a : b;
}

static void reset_one(const limit_rule *rule)
{
	struct rlimit now, want;

	if (getrlimit(rule->resource, &now) < 0)
		return;
	want.rlim_cur = rule->exact ? rule->soft : max_limit(now.rlim_cur, rule->soft);
	want.rlim_max = max_limit(now.rlim_max, want.rlim_cur);
	if (setrlimit(rule->resource, &want) == 0)
		return;
	/* Not privileged to raise the hard limit: the most the caller allows. */
	want.rlim_max = now.rlim_max;
	if (want.rlim_cur > now.rlim_max)
		want.rlim_cur = now.rlim_max;
	setrlimit(rule->resource, &want);
}

void sts_proc_reset_limits(void)
{
	for (size_t i = 0; i < STS_PROC_LIMITS; i++)
		reset_one(&rules[i]);
}

void sts_proc_reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	sigset_t none;

	sigemptyset(&dfl.sa_mask);
	/* Signals glibc keeps for itself refuse sigaction(): skipped. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void sts_proc_save_caller(sts_proc_caller *out)
{
	struct sigaction old;

	for (size_t i = 0; i < STS_PROC_LIMITS; i++)
		if (getrlimit(rules[i].resource, &out->limits[i]) < 0)
			out->limits[i].rlim_cur = out->limits[i].rlim_max = RLIM_INFINITY;
	sigemptyset(&out->ignored);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			sigaddset(&out->ignored, sig);
	sigprocmask(SIG_SETMASK, NULL, &out->mask);
}

void sts_proc_restore_caller(const sts_proc_caller *caller)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };

	for (size_t i = 0; i < STS_PROC_LIMITS; i++)
		setrlimit(rules[i].resource, &caller->limits[i]);
	sigemptyset(&ign.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&caller->ignored, sig) == 1)
			sigaction(sig, &ign, NULL);
	sigprocmask(SIG_SETMASK, &caller->mask, NULL);
}
