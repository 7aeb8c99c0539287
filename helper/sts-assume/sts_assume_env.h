/* The command's environment, which sts-assume (helper/sts-assume/sts_assume.c)
 * builds for the program it runs. */
#ifndef STS_ASSUME_ENV_H
#define STS_ASSUME_ENV_H

#include <pwd.h>
#include <security/pam_appl.h>

/* The command's environment, built from scratch: a fixed PATH, the user's
 * HOME/SHELL/USER/LOGNAME, a few harmless variables of the caller's (TERM,
 * LANG, LC_*, TZ when it names no file), and the PAM environment (the
 * credentials) without pam_sts's internal variables. NULL on failure. */
char **sts_assume_environment(const struct passwd *pw, char *const *caller_env, pam_handle_t *pamh);
void sts_assume_free_environment(char **env);

#endif
