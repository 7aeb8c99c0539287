/*
 * What a privileged process must not take from the user who started it: the
 * resource limits and the signal dispositions. A set-uid program (sts-assume,
 * su) keeps its caller's limits, ignored signals and signal mask, and passes
 * them to every program it runs; a user who cuts RLIMIT_FSIZE and ignores
 * SIGXFSZ makes root's writes stop short at a byte of the user's choosing.
 * So, as sudo does, the module resets them in the helper's child before the
 * exec, sts-assume at its start, and sts-helper once more at its own start.
 *
 * Only libc: this is linked into pam_sts.so. The two reset functions make
 * only async-signal-safe system calls, so the module may call them between
 * fork(2) and exec in any application, threaded or not.
 */
#ifndef STS_PROC_RESET_H
#define STS_PROC_RESET_H

#include <signal.h>
#include <sys/resource.h>

/* The limits reset: RLIMIT_FSIZE, CPU, AS, DATA (unlimited), NOFILE (at
 * least 1024) and STACK (8 MiB, the kernel's default). */
#define STS_PROC_LIMITS 6

/* What the caller had, for the caller's own command (sts-assume). */
typedef struct {
	struct rlimit limits[STS_PROC_LIMITS];
	sigset_t ignored; /* signals whose disposition was SIG_IGN */
	sigset_t mask;	  /* the blocked signals */
} sts_proc_caller;

/* Sets the limits above, as far as the process may (root raises the hard
 * limits; anyone else gets the soft limit raised to the hard one). */
void sts_proc_reset_limits(void);
/* Every ignored signal back to SIG_DFL (SIGXFSZ among them) and an empty
 * signal mask. Handled signals are left alone: exec resets them. */
void sts_proc_reset_signals(void);

/* Records the caller's limits and signals (before the resets above), and
 * puts them back (in the child that runs the caller's command, before
 * privileges are dropped: lowering is always allowed, raising back a hard
 * limit needs root). */
void sts_proc_save_caller(sts_proc_caller *out);
void sts_proc_restore_caller(const sts_proc_caller *caller);

#endif
