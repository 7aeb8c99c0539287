/* What the whole-login drivers (bench_pam, pam_loop) share: a conversation
 * that answers the TOTP prompt, and enrolling the test secret. */
#ifndef STS_DRIVER_COMMON_H
#define STS_DRIVER_COMMON_H

#include <security/pam_appl.h>

/* RFC 6238's SHA1 test secret (20 bytes). */
extern const unsigned char dc_secret[];
/* The code dc_conversation answers to echo-off prompts. */
extern const char *dc_code;

int dc_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data);
/* An active SHA1/6/30 device with the test secret and a zero replay floor
 * for |user| in the store |mfa|; exits the program on failure. */
void dc_enroll(const char *mfa, const char *user);

#endif
