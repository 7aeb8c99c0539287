/* sts-helper's operations (see helper/sts_helper.c for the protocol). */
#ifndef STS_HELPER_H
#define STS_HELPER_H

#include <stdbool.h>

#include "helper_proto.h"

/* Each fills |resp| with status=ok|denied|error and what the caller needs;
 * returns 0 when the answer is status=ok. */
int sts_helper_decide(const sts_msg *req, sts_msg *resp);
int sts_helper_roles(const sts_msg *req, sts_msg *resp);
int sts_helper_open(const sts_msg *req, sts_msg *resp);
int sts_helper_verify(const sts_msg *req, bool elevated, sts_msg *resp);

/* status=error with |message| (logged too). */
int sts_helper_fail(sts_msg *resp, const char *status, const char *message);

#endif
