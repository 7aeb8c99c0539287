/* The answer of an operation that failed, shared by every operation. */
#ifndef STS_HELPER_FAIL_H
#define STS_HELPER_FAIL_H

#include "proto/codec.h"

/* Answers status=|status| (STS_STATUS_ERROR or STS_STATUS_DENIED) with
 * |message|, logged too. Returns -1. */
int sts_helper_fail(sts_msg *resp, const char *status, const char *message);

#endif
