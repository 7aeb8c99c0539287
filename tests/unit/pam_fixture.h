/* The fixture shared by the PAM tests (see pam_fixture.c). */
#ifndef STS_PAM_FIXTURE_H
#define STS_PAM_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <security/pam_appl.h>

#include "mfa/mfa_store.h"
#include "testutil.h"

#define T0 1800000000LL /* 2027-01-15T08:00:00Z, on a step boundary */

extern char root[256], state[300], mfa[320], services[300], config[300], clock_file[320];
extern const unsigned char secret[21];

void pf_write_text(const char *path, const char *text, mode_t mode);
void pf_service(const char *name, const char *args);
void pf_raw_service(const char *name, const char *line_fmt_path);
void pf_write_config(const char *extra);
void pf_set_paths(const char *dir);
void pf_make_fixtures(void);
void pf_enroll(const char *user, int64_t last_step, int64_t locked_until);
sts_mfa_record pf_stored(const char *user);
/* The module reads the clock through the test-only shim (STS_FAKE_TIME_FILE). */
void pf_set_time(int64_t t);
void pf_code_at(int64_t t, char out[9]);
/* One pam_authenticate; returns what it returned (code NULL: no answer). */
int pf_auth(const char *svc, const char *user, const char *code);
/* A handle kept past its libpamtest run (PAMTEST_KEEPHANDLE) still points
 * at libpamtest's conversation, which lived on its stack: pf_keep_conv()
 * gives it one that records the module's error messages in pf_last_error
 * (the last one; "" until then) and answers no prompt. */
extern char pf_last_error[PAM_MAX_MSG_SIZE];
pam_handle_t *pf_keep_conv(pam_handle_t *ph);
/* pf_auth(), also giving the first PAM_ERROR_MSG of the module ("" if none). */
int pf_auth_err(const char *svc, const char *user, const char *code, char *err_out, size_t cap);
int pf_setup(void **st);
int pf_teardown(void **st);
/* A private /tmp for this process (root only; see pam_fixture.c). */
int pf_private_tmp(void);
/* Re-executes the binary under pam_wrapper with a fresh fixture; returns in the child. */
void pf_under_pam_wrapper(char **argv);
/* One more library to preload after the wrappers (a test-only shim), or NULL;
 * set by a test's main() before pf_under_pam_wrapper(). */
extern const char *pf_extra_preload;
/* A conversation function: answers every hidden prompt with the string its
 * appdata_ptr points at (the code), other prompts with nothing. */
int pf_answer_code(int n, const struct pam_message **msg, struct pam_response **resp, void *code);

#endif
