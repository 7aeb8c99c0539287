/* Running sts-helper (from the module, or from stsctl for an unprivileged
 * verify): the resident broker's socket when it listens, else a checked
 * executable, a clean environment, pipes, a timeout. */
#ifndef STS_HELPER_CLIENT_H
#define STS_HELPER_CLIENT_H

#include "base/error.h"
#include "base/settings.h"
#include "proto/codec.h"

/*
 * Sends |req| to the broker on settings->helper_socket when one accepts the
 * connection and does not answer busy, else runs settings->helper with |req| on its stdin, and parses
 * the answer into |resp|. Returns 0 when it answered (resp's status says what
 * it decided), -1 with |err| when the helper could not be run, crashed,
 * answered garbage or outlived settings->helper_timeout (it is then killed),
 * or when the broker, once connected, failed in any way (never followed by
 * running the helper: the request may have been served).
 */
int sts_helper_call(const sts_settings *settings, const sts_msg *req, sts_msg *resp,
		    sts_error *err);

#endif
