/*
 * The resident broker's connections to the fleet database (mfa_store =
 * postgresql): one small pool for the process, made on the first login that
 * needs it. The exec'd helper has none and connects per request.
 */
#ifndef STS_HELPER_FLEET_H
#define STS_HELPER_FLEET_H

#include "base/settings.h"
#include "mfa/fleet_db.h"

/* The broker says so at start: from then on logins borrow from the pool. */
void sts_helper_fleet_serving(void);
/* The pool for |s|'s database with |budget_ms| a step, or NULL (not the
 * broker, a pool for another database already, or it could not be made:
 * the login connects on its own). */
sts_fleet_pool *sts_helper_fleet_pool(const sts_settings *s, unsigned budget_ms);
/* Closes the pool at the broker's stop (no login in progress). */
void sts_helper_fleet_stop(void);

#endif
