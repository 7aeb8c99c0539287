/*
 * The PAM environment variables the phases of one login pass to each other
 * and to applications. Only names and bounds: the module reads and writes
 * them, sts-helper and sts-assume fill or read the values.
 */
#ifndef STS_PROTO_ENV_H
#define STS_PROTO_ENV_H

/* The account phase's sealed grant for the session phase (decide/grant.h);
 * removed by the session phase before the user's environment is built. */
#define STS_GRANT_ENV "PAM_STS_GRANT"
#define STS_GRANT_MAX 16384

/* action=requested: the request an application such as sts-assume puts into
 * the PAM environment (JSON: op, target, duration, session_policy), at most
 * STS_APP_REQUEST_MAX bytes (proto/codec.h); removed once read. */
#define STS_REQUEST_ENV "PAM_STS_REQUEST"

#endif
