/*
 * sts-assume: sudo-style role assumption.
 *
 *   sts-assume [--role NAME | --federated NAME] [--duration SECONDS]
 *              [--session-policy FILE] [-- COMMAND [ARG...]]
 *
 * Set-uid root and minimal, in the manner of su and sudo: it runs its own
 * PAM service (/etc/pam.d/sts-assume, fixed) for the invoking user, taken
 * from the real uid (never from the environment): authenticate, account,
 * open_session. The request (operation, role or name, duration, session
 * policy) goes to pam_sts in the PAM variable PAM_STS_REQUEST, which the
 * module honours only with action=requested; the module still decides it
 * against the policies, so a user can ask for anything but get only what
 * is allowed. COMMAND (default: the user's shell) then runs as the user
 * with every privilege dropped (groups, gid, uid; checked), in a sanitized
 * environment holding the credentials; signals are forwarded; when it ends
 * the session is closed and sts-assume exits with its status. As sudo does,
 * the PAM stack runs with root's resource limits and default signals, not
 * the caller's (lib/base/proc_reset.h), and the command gets the caller's back.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <syslog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <security/pam_appl.h>
#include <security/pam_misc.h>

#include "base/proc_reset.h"
#include "policy/json_unique.h"
#include "sts_assume_env.h"

#define SERVICE	    "sts-assume"
#define POLICY_MAX  10240
#define EXIT_REFUSE 1
#define EXIT_USAGE  2

extern char **environ;

typedef struct {
	const char *role, *federated, *duration, *policy_file;
	char **command;
} options;

static volatile sig_atomic_t child_pid;

static void usage(void)
{
	fputs("usage: sts-assume [--role NAME | --federated NAME] [--duration SECONDS]\n"
	      "                  [--session-policy FILE] [-- COMMAND [ARG...]]\n",
	      stderr);
	exit(EXIT_USAGE);
}

static void parse_options(int argc, char **argv, options *o)
{
	static const struct option longs[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "federated", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "session-policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "+r:f:d:p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->role = optarg;
			break;
		case 'f':
			o->federated = optarg;
			break;
		case 'd':
			o->duration = optarg;
			break;
		case 'p':
			o->policy_file = optarg;
			break;
		default:
			usage();
		}
	}
	if (o->role && o->federated) {
		fputs("sts-assume: --role and --federated exclude each other\n", stderr);
		exit(EXIT_USAGE);
	}
	if (optind < argc)
		o->command = argv + optind;
}

/* Reads the session policy with the caller's file-system identity, so that
 * root never opens a file the caller could not. */
static char *read_policy_as_user(const char *path, uid_t uid, gid_t gid)
{
	char *buf = NULL;
	int fd;
	ssize_t n;

	setfsgid(gid);
	setfsuid(uid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	setfsuid(0);
	setfsgid(0);
	if (fd < 0 || !(buf = calloc(1, POLICY_MAX + 1))) {
		fprintf(stderr, "sts-assume: %s: %s\n", path, strerror(errno));
		exit(EXIT_USAGE);
	}
	n = read(fd, buf, POLICY_MAX + 1);
	close(fd);
	if (n < 0 || n > POLICY_MAX) {
		fprintf(stderr, "sts-assume: %s: unreadable or larger than %d bytes\n", path,
			POLICY_MAX);
		exit(EXIT_USAGE);
	}
	return buf;
}

/* The session policy as JSON. A key twice in one object is refused here, as
 * IAM does: re-encoded for the request, the object would keep the last. */
static json_object *parse_policy(const char *text, const char *path)
{
	json_tokener *tok = json_tokener_new();
	json_object *policy = NULL;
	char repeated[256] = "";
	size_t end;

	if (tok) {
		policy = sts_json_parse_unique(tok, text, strlen(text), &end, repeated,
					       sizeof(repeated));
		json_tokener_free(tok);
	}
	if (repeated[0]) {
		fprintf(stderr, "sts-assume: %s: %s: the key appears twice in one object\n", path,
			repeated);
		exit(EXIT_USAGE);
	}
	if (!policy || !json_object_is_type(policy, json_type_object)) {
		fprintf(stderr, "sts-assume: %s: not a JSON policy document\n", path);
		exit(EXIT_USAGE);
	}
	return policy;
}

/* PAM_STS_REQUEST=<JSON>: what the user asks pam_sts to decide. */
static char *request_variable(const options *o, const struct passwd *pw)
{
	json_object *req = json_object_new_object(), *policy = NULL;
	const char *op = o->role ? "assume-role" : o->federated ? "federate" : "session";
	char *text = NULL, *out = NULL;

	json_object_object_add(req, "op", json_object_new_string(op));
	if (o->role || o->federated)
		json_object_object_add(req, "target",
				       json_object_new_string(o->role ? o->role : o->federated));
	if (o->duration)
		json_object_object_add(req, "duration", json_object_new_string(o->duration));
	if (o->policy_file) {
		text = read_policy_as_user(o->policy_file, pw->pw_uid, pw->pw_gid);
		policy = parse_policy(text, o->policy_file);
		free(text);
		json_object_object_add(req, "session_policy", policy);
	}
	if (asprintf(&out, "PAM_STS_REQUEST=%s",
		     json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN)) < 0)
		out = NULL;
	json_object_put(req);
	return out;
}

/* Runs the PAM phases up to open_session; a PAM code, and in |*refused| the
 * code to tell the caller: every refusal of the account phase is "Permission
 * denied", so that a role that does not exist and one the caller may not
 * assume look the same (the log says which it was). */
static int start_pam(const options *o, const struct passwd *pw, pam_handle_t **pamh, int *refused)
{
	static struct pam_conv conv = { misc_conv, NULL };
	char *request = request_variable(o, pw);
	const char *tty = ttyname(STDIN_FILENO);
	int rc = pam_start(SERVICE, pw->pw_name, &conv, pamh);

	*refused = PAM_SUCCESS;

	if (rc == PAM_SUCCESS)
		rc = pam_set_item(*pamh, PAM_RUSER, pw->pw_name);
	if (rc == PAM_SUCCESS && tty)
		rc = pam_set_item(*pamh, PAM_TTY, tty);
	if (rc == PAM_SUCCESS)
		rc = request ? pam_putenv(*pamh, request) : PAM_BUF_ERR;
	free(request);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(*pamh, 0);
	if (rc == PAM_SUCCESS) {
		rc = pam_acct_mgmt(*pamh, 0);
		*refused = rc == PAM_SUCCESS ? PAM_SUCCESS : PAM_PERM_DENIED;
	}
	if (rc == PAM_SUCCESS)
		rc = pam_setcred(*pamh, PAM_ESTABLISH_CRED);
	if (rc == PAM_SUCCESS)
		rc = pam_open_session(*pamh, 0);
	if (*refused == PAM_SUCCESS)
		*refused = rc;
	return rc;
}

/* In the child: become the user for good, and prove it. */
static void drop_privileges(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		perror("sts-assume: dropping privileges");
		_exit(EXIT_REFUSE);
	}
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getgid() != pw->pw_gid ||
	    getegid() != pw->pw_gid || (pw->pw_uid != 0 && setuid(0) == 0)) {
		fputs("sts-assume: privileges were not dropped\n", stderr);
		_exit(EXIT_REFUSE);
	}
}

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static int run_command(const options *o, const struct passwd *pw, pam_handle_t *pamh,
		       const sts_proc_caller *caller)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	char **env = sts_assume_environment(pw, environ, pamh);
	char *shell_argv[] = { pw->pw_shell, NULL };
	char **argv = o->command ? o->command : shell_argv;
	struct sigaction sa = { .sa_handler = forward };
	int status = 0;
	pid_t pid;

	if (!env) {
		fputs("sts-assume: cannot build the environment\n", stderr);
		return EXIT_REFUSE;
	}
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	pid = fork();
	if (pid == 0) {
		/* The command is the user's: it runs with the user's own limits
		 * and signals, put back while still root (a hard limit raised
		 * for the PAM stack may need root to go back). */
		sts_proc_restore_caller(caller);
		drop_privileges(pw);
		execvpe(argv[0], argv, env);
		fprintf(stderr, "sts-assume: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	sts_assume_free_environment(env);
	if (pid < 0) {
		perror("sts-assume: fork");
		return EXIT_REFUSE;
	}
	child_pid = pid;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_REFUSE;
}

int main(int argc, char **argv)
{
	struct passwd *found, pw;
	pam_handle_t *pamh = NULL;
	sts_proc_caller caller;
	options o;
	int rc, refused, status;

	/* Before anything can log: syslog's default tag is argv[0], the caller's
	 * to choose (a newline in it would forge a line). */
	openlog(SERVICE, LOG_PID, LOG_AUTHPRIV);
	if (geteuid() != 0) {
		fputs("sts-assume: must be installed set-uid root\n", stderr);
		return EXIT_REFUSE;
	}
	/* As sudo: the PAM stack and the helper it runs write as root, so none
	 * of the caller's resource limits or ignored signals apply to them
	 * (a cut RLIMIT_FSIZE would stop root's writes short). */
	sts_proc_save_caller(&caller);
	sts_proc_reset_limits();
	sts_proc_reset_signals();
	parse_options(argc, argv, &o);
	found = getpwuid(getuid()); /* the invoking user: real uid, never $USER */
	if (!found) {
		fputs("sts-assume: you do not exist in the passwd database\n", stderr);
		return EXIT_REFUSE;
	}
	pw = *found;
	pw.pw_name = strdup(found->pw_name);
	pw.pw_dir = strdup(found->pw_dir);
	pw.pw_shell = strdup(found->pw_shell);
	status = EXIT_REFUSE;
	if (!pw.pw_name || !pw.pw_dir || !pw.pw_shell)
		goto out;
	rc = start_pam(&o, &pw, &pamh, &refused);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "sts-assume: %s\n", pam_strerror(pamh, refused));
		pam_end(pamh, rc);
		goto out;
	}
	status = run_command(&o, &pw, pamh, &caller);
	rc = pam_close_session(pamh, 0);
	if (rc != PAM_SUCCESS)
		fprintf(stderr, "sts-assume: closing the session: %s\n", pam_strerror(pamh, rc));
	pam_setcred(pamh, PAM_DELETE_CRED);
	pam_end(pamh, rc);
out:
	free(pw.pw_name);
	free(pw.pw_dir);
	free(pw.pw_shell);
	return status;
}
