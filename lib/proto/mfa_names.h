/*
 * The MFA store's names and the shape of a code: what the PAM module checks
 * itself before it asks sts-helper (mfa/mfa_store.h has the store).
 */
#ifndef STS_PROTO_MFA_NAMES_H
#define STS_PROTO_MFA_NAMES_H

#include <stdbool.h>

#include "base/error.h"

/* The lengths a code can have (RFC 4226 allows 6 to 8 digits). */
#define STS_TOTP_DIGITS_MIN 6
#define STS_TOTP_DIGITS_MAX 8

/* A user name usable as a file name: [A-Za-z0-9_][A-Za-z0-9_.-]{0,63}, not
 * ending in ".lock", ".state", ".pending" or ".scratch" nor holding ".tmp."
 * (the store's own files; mfa/mfa_side.h has the last two). */
bool sts_mfa_user_valid(const char *user);

/* Whether |user| has a device file in the store directory |dir| (1), has
 * none (0), or the directory cannot be opened (-1, |err| set). Only a quick
 * look, without reading the file (proto/mfa_names.c): the PAM module's, so it
 * does not prompt a user who has no device. */
int sts_mfa_device_present(const char *dir, const char *user, sts_error *err);
#endif
