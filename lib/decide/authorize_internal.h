/* Shared by authorize*.c; not for other layers. */
#ifndef STS_AUTHORIZE_INTERNAL_H
#define STS_AUTHORIZE_INTERNAL_H

#include <stddef.h>

#include "decide/authorize.h"

/* The request context for |caller| (see authorize_context.c for the keys);
 * |session_name| adds sts:RoleSessionName when not NULL. */
int sts_authz_context(const sts_caller *caller, const char *user_arn, const char *session_name,
		      sts_context **out, sts_error *err);

/* "WHAT policy NAME Sid|Statement[i] (Allow|Deny)", or |deny_why| for an
 * implicit deny that no statement decided. */
void sts_authz_describe(const sts_verdict *v, const char *what, const char *deny_why, char *buf,
			size_t cap);

/* Both must allow; an explicit deny wins over an implicit one. */
sts_decision sts_authz_combine(sts_decision a, sts_decision b);

#endif
