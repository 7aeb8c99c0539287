/* The identity, issuer and helper fixture for the whole-stack PAM tests. */
#ifndef STS_STACK_FIXTURE_H
#define STS_STACK_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <security/pam_appl.h>

#define SF_LOAD_USERS 50
/* The broker's concurrent logins (test_broker_load.c): load00 .. load199. */
#define SF_BROKER_LOAD_USERS 200

/* Users (all with the test's uid, so files can be handed to them without
 * root): alice (deployers), mia and bob (managers), carol (no groups), and load00..load199 for the load tests. */
void sf_make_identity(void);
/* The helper's timeout in those lines (default 3 s). */
extern unsigned sf_helper_timeout;
/* Config lines the stack tests need (appended by pf_write_config). Their
 * helper_socket is ROOT/brk/helper.sock: absent (the helper is run) unless a
 * test starts a broker there (test_broker.c). */
const char *sf_config_lines(void);
/* Makes the helper stand-in misbehave: "crash", "hang", "garbage", "fail",
 * or "" for normal operation. */
void sf_helper_mode(const char *mode);
/* A service file stacking pam_sts for auth, account and session. */
void sf_stack_service(const char *name, const char *account_args, const char *session_args);
/* ROOT/|rel| replaced by text that does not parse as JSON (|broken|), or
 * restored from the copy kept. */
void sf_break_json(const char *rel, bool broken);
/* A login through the auth phase of |svc| with a fresh code (|*clock| moves
 * 30 s on, the user is enrolled just before it), handle kept open. */
pam_handle_t *sf_authenticated(const char *svc, const char *user, int64_t *clock);
/* How many session directories exist under the runtime directory. */
int sf_session_count(void);

#endif
