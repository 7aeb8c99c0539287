/*
 * demo-login (make demo only; never installed): one whole login through the
 * PAM stack named SERVICE for USER, the way sshd or sts-assume drive it:
 * authenticate (the TOTP prompt, answered with CODE), acct_mgmt,
 * open_session; then it prints the session environment pam_sts set, runs
 * COMMAND... in that environment (e.g. stsctl verify), and closes the
 * session.
 *
 *   demo-login SERVICE USER CODE [COMMAND...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

static const char *typed_code;

static int conversation(int n, const struct pam_message **msg, struct pam_response **resp,
			void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)data;
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
			printf("  %s%s   (typed by the demo)\n", msg[i]->msg, typed_code);
			r[i].resp = strdup(typed_code);
		} else {
			printf("  %s\n", msg[i]->msg);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int step(const char *name, int rc, pam_handle_t *pamh)
{
	printf("  %-16s -> %s\n", name, rc == PAM_SUCCESS ? "PAM_SUCCESS" : pam_strerror(pamh, rc));
	fflush(stdout);
	return rc;
}

static void show_environment(pam_handle_t *pamh)
{
	char **env = pam_getenvlist(pamh);

	printf("  session environment set by pam_sts:\n");
	for (size_t i = 0; env && env[i]; i++) {
		if (strncmp(env[i], "AWS_", 4) == 0)
			printf("    %s\n", env[i]);
		free(env[i]);
	}
	free(env);
}

static void run_in_session(pam_handle_t *pamh, char **command)
{
	char **env = pam_getenvlist(pamh);
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (size_t i = 0; env && env[i]; i++)
			putenv(env[i]);
		execvp(command[0], command);
		perror(command[0]);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("  (exit %d)\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

int main(int argc, char **argv)
{
	struct pam_conv conv = { conversation, NULL };
	pam_handle_t *pamh = NULL;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: demo-login SERVICE USER CODE [COMMAND...]\n");
		return 2;
	}
	typed_code = argv[3];
	rc = pam_start(argv[1], argv[2], &conv, &pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_set_item(pamh, PAM_RHOST, "192.0.2.10");
	if (rc == PAM_SUCCESS)
		rc = step("authenticate", pam_authenticate(pamh, 0), pamh);
	if (rc == PAM_SUCCESS)
		rc = step("acct_mgmt", pam_acct_mgmt(pamh, 0), pamh);
	if (rc == PAM_SUCCESS)
		rc = step("open_session", pam_open_session(pamh, 0), pamh);
	if (rc == PAM_SUCCESS) {
		show_environment(pamh);
		if (argc > 4)
			run_in_session(pamh, argv + 4);
		rc = step("close_session", pam_close_session(pamh, 0), pamh);
	}
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}
