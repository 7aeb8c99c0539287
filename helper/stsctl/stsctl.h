/* The stsctl subcommands main() runs, each in its own file. Each returns
 * the process exit status. */
#ifndef STSCTL_H
#define STSCTL_H

/* Exit statuses shared by the subcommands. */
enum {
	STSCTL_OK = 0,
	STSCTL_DENIED = 1,
	STSCTL_USAGE = 2
};

int stsctl_simulate(int argc, char **argv);
int stsctl_validate(int argc, char **argv);
/* stsctl mfa ...: the MFA store's devices (root only). */
int stsctl_mfa(int argc, char **argv);
/* stsctl fleet init: the fleet database's schema (stsctl_fleet.c). */
int stsctl_fleet(int argc, char **argv);
/* stsctl init: create or rotate the issuer key ring (root only). */
int stsctl_init(int argc, char **argv);
/* stsctl verify: check a credential and print what its token says. */
int stsctl_verify(int argc, char **argv);
/* stsctl authorize: may a credential do an action on a resource? */
int stsctl_authorize(int argc, char **argv);
/* stsctl check: the whole configuration, with every fault's file and place. */
int stsctl_check(int argc, char **argv);
/* stsctl credential-process: the session's credentials as credential_process JSON. */
int stsctl_credential_process(int argc, char **argv);
/* ... --session NAME: the open session's credentials issued again by
 * sts-helper (stsctl_refresh.c). */
int stsctl_refresh_process(const char *session, const char *config);
/* The credential_process JSON (Version 1) on stdout, wiped after; every
 * value must be base64 text. STSCTL_OK or STSCTL_USAGE. */
int stsctl_print_process_json(const char *akid, const char *secret, const char *token,
			      const char *expiry);

#endif
