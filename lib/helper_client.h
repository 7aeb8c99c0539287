/* Running sts-helper (from the module, or from stsctl for an unprivileged
 * verify): a checked executable, a clean environment, pipes, a timeout. */
#ifndef STS_HELPER_CLIENT_H
#define STS_HELPER_CLIENT_H

#include "error.h"
#include "helper_proto.h"
#include "settings.h"

/*
 * Runs settings->helper with |req| on its stdin and parses its answer into
 * |resp|. Returns 0 when the helper answered (resp's status says what it
 * decided), -1 with |err| when it could not be run, crashed, answered
 * garbage or outlived settings->helper_timeout (it is then killed).
 */
int sts_helper_call(const sts_settings *settings, const sts_msg *req, sts_msg *resp,
		    sts_error *err);

#endif
