/* Support for the fault matrix (test_fault_matrix.c); see fault_fixture.c. */
#ifndef STS_FAULT_FIXTURE_H
#define STS_FAULT_FIXTURE_H

#include <stdbool.h>

#include <security/pam_appl.h>

typedef enum {
	FX_AUTH,
	FX_ACCOUNT,
	FX_OPEN,
	FX_CLOSE,
	FX_PHASES
} fx_phase;

extern const char *const fx_phase_names[FX_PHASES];

/* A login of alice through the service "stack-role" (auth; account
 * action=assume-role role=UpdateAPP; session). */
typedef struct {
	pam_handle_t *ph;
	char session_dir[512]; /* set once open_session succeeded */
} fx_login;

/* Starts a login and runs every phase before |phase|, each asserted to
 * succeed (a fresh TOTP code and MFA record each time). */
void fx_login_until(fx_login *l, fx_phase phase);
/* Runs |phase| on the login; returns its PAM code. */
int fx_call(fx_login *l, fx_phase phase);
void fx_end(fx_login *l);

/* The pam_syslog lines of one stretch of calls (pam_wrapper prints them on
 * stderr as "PWRAP_...[...] - SYSLOG(PRIORITY): TEXT" with
 * PAM_WRAPPER_DEBUGLEVEL=2, which captures LOG_ERR down to LOG_DEBUG). */
#define FX_LOG_MAX 8
typedef struct {
	int n;
	int prio[FX_LOG_MAX];
	char text[FX_LOG_MAX][600];
	int stray; /* lines not pam_wrapper's: the rest of a message that held a newline */
} fx_log;

bool fx_capture_begin(void);
bool fx_capture_end(fx_log *log);

/* As root, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH make every file readable:
 * this drops them from (false) or restores them to (true) the effective set. */
void fx_dac_override(bool on);

/* Out of memory, through tests/shim/failalloc.c (see there). */
#define FX_OOM_ONCE 0 /* only the allocation after N successful ones fails */
#define FX_OOM_FROM 1 /* that one and all later ones fail */
typedef struct {
	long runs;	    /* N = 0, 1, ... until a run had no allocation to fail */
	long max_allocs;    /* the module's allocations in the run without a failure */
	long bad;	    /* runs that crashed, succeeded after a failure, ... */
	long silent, noisy; /* runs with an injected failure and 0 / more than 1 log lines */
	long leaked;	    /* failed opens that left a session directory behind */
	char first_bad[700];
	char first_silent[300];
} fx_oom_stats;

/* Runs |phase| once per N in a child process; true when no run was bad. */
bool fx_oom_phase(fx_phase phase, int mode, fx_oom_stats *st);

#endif
