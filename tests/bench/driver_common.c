/* Shared by the whole-login drivers (see driver_common.h). */
#include "driver_common.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfa/mfa_store.h"

const unsigned char dc_secret[] = "12345678901234567890";
const char *dc_code = "";

int dc_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)data;
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup(dc_code);
	*resp = r;
	return PAM_SUCCESS;
}

void dc_enroll(const char *mfa, const char *user)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_mfa_record rec;
	sts_error err;

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.secret, dc_secret, 20);
	rec.secret_len = 20;
	rec.digits = 6;
	rec.period = 30;
	rec.active = true;
	if (sts_mfa_store_open(mfa, 1, &store, &err) < 0 ||
	    sts_mfa_lock_user(store, user, 1000, &lock, &err) < 0 ||
	    sts_mfa_write(lock, &rec, &err) < 0) {
		fprintf(stderr, "enroll %s: %s\n", user, err.msg);
		exit(2);
	}
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}
