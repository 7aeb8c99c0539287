/*
 * A resident broker (sts-helper --serve) on the whole-stack fixture's
 * configuration, for the tests that talk to one: its socket ROOT/brk/helper.sock,
 * started with the test's users and clock, stopped cleanly or killed after a
 * failed test.
 */
#ifndef STS_BROKER_FIXTURE_H
#define STS_BROKER_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include <security/pam_appl.h>

#include "fault_fixture.h"

#define BF_WAIT_MS 10000 /* start-up under ASan on a busy machine */

extern char bf_sock_dir[400], bf_sock_path[420];
extern pid_t bf_pid; /* the running broker, -1 when none */

/* The socket's directory and path under the fixture's root. */
void bf_set_paths(void);
/* The fixture's configuration with helper_timeout |timeout| and, unless
 * |real_helper|, a helper that does not exist (so only a broker can answer). */
void bf_write_config(unsigned timeout, bool real_helper);
/* The socket directory made afresh with |mode|. */
void bf_make_sock_dir(mode_t mode);
void bf_sock_addr(struct sockaddr_un *sa);
bool bf_can_connect(void);
/* Forks sts-helper --serve on the test configuration (the test's users and
 * clock preloaded, killed with the test); its pid at once. */
pid_t bf_spawn(void);
/* Starts the broker; its pid once it accepts connections, or -1 when it
 * exited (its status in *status). */
pid_t bf_start_broker(int *status);
/* Starts the broker into bf_pid, failing the test when it does not start. */
void bf_up(void);
/* SIGTERM: the broker stops cleanly and removes its socket (asserted). */
void bf_down(void);
/* A teardown: kills a broker a failed test left running. */
int bf_stop_leftover(void **st);
/* After a successful open: the credentials are there, and close removes them. */
void bf_close_checked(pam_handle_t *ph);

/* The test clock the two below move on by a step each. */
extern int64_t bf_clock;
/* One whole login: auth, account, open and close session. Returns the first
 * failing code of account (the helper decides: op=decide) and open (it
 * issues: op=open), checking the close when both succeeded. The log lines of
 * account and open are captured in |log| when not NULL. */
int bf_whole_login(const char *svc, const char *user, fx_log *log);
/* An authentication that must fail: the auth phase's op=mfa is the first
 * request a login sends. Returns its code; its log lines in |log|. */
int bf_failed_auth(const char *svc, const char *user, fx_log *log);

#endif
