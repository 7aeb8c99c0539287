/*
 * stsctl check: the PAM service files, as `visudo -c` checks what sudo
 * would do. Each pam_sts.so line is split the way Linux-PAM splits it
 * (comments, backslash continuations, [bracketed] controls and arguments),
 * its arguments go through the module's own parser (lib/proto/module_args.c), and
 * what they name is looked up in the configuration the line names: the
 * role, the duration against the role's MaxSessionDuration and STS's limits,
 * the session policy, names STS would refuse. A configuration named by a line and not checked yet
 * is checked whole. Faults name the service file, the line and the argument.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decide/authorize.h"
#include "decide/identity.h"
#include "decide/sts_limits.h"
#include "proto/module_args.h"
#include "stsctl_check.h"

/* A service file is small; a bigger one is not read as one. */
#define PAM_FILE_MAX  (256u * 1024u)
#define PAM_ARGS_MAX  64
#define PAM_WHERE_MAX 4300
#define CONFIGS_MAX   32

/* A configuration named by some line: loaded (and checked) once. */
typedef struct {
	char *path;
	sts_settings s;
	bool loaded;
	char error[sizeof(((sts_error *)0)->msg)];
} pam_config;

typedef struct {
	check_ctx *c;
	pam_config configs[CONFIGS_MAX];
	size_t n;
} pam_run;

/* The settings |path| holds, or NULL after a fault at |where|. */
static const sts_settings *config_for(pam_run *r, const char *where, const char *path)
{
	check_ctx *c = r->c;
	pam_config *pc = NULL;

	if (strcmp(path, c->config) == 0)
		return &c->s;
	for (size_t i = 0; i < r->n && !pc; i++)
		if (strcmp(r->configs[i].path, path) == 0)
			pc = &r->configs[i];
	if (!pc && r->n < CONFIGS_MAX && (r->configs[r->n].path = strdup(path))) {
		sts_error err;
		check_ctx other = { .config = path, .faults = 0, .checked = 0 };

		pc = &r->configs[r->n++];
		pc->loaded = sts_settings_load(path, &pc->s, &err) == 0;
		if (!pc->loaded) {
			snprintf(pc->error, sizeof(pc->error), "%s", err.msg);
		} else {
			other.s = pc->s;
			stsctl_check_config(&other);
			c->faults += other.faults;
			c->checked += other.checked;
		}
	}
	if (!pc) {
		stsctl_check_fault(c, "%s: config=%s: too many configurations to check", where,
				   path);
		return NULL;
	}
	if (!pc->loaded) {
		stsctl_check_fault(c, "%s: config=%s: %s", where, path, pc->error);
		return NULL;
	}
	return &pc->s;
}

static void configs_free(pam_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->configs[i].loaded)
			sts_settings_free(&r->configs[i].s);
		free(r->configs[i].path);
	}
}

/* role=: the role must exist (a NAME or this account's ARN); its
 * MaxSessionDuration bounds duration=. role=prompt and names built from %u
 * are known only at login: STS's own limit bounds those. */
static unsigned long check_role(check_ctx *c, const char *where, const sts_settings *s,
				const char *role)
{
	sts_role loaded;
	sts_error err;
	unsigned long max;

	if (strcmp(role, "prompt") == 0 || strchr(role, '%'))
		return STS_ROLE_MAX_SESSION_MAX;
	if (sts_role_load_target(s, role, &loaded, &err) < 0) {
		stsctl_check_fault(c, "%s: role=%s: %s", where, role, err.msg);
		return 0;
	}
	max = loaded.max_session;
	sts_role_free(&loaded);
	stsctl_check_passed(c);
	return max;
}

/* |role_known| false: the role is chosen at login, so no role may allow it. */
static void check_duration(check_ctx *c, const char *where, sts_operation op, const char *text,
			   unsigned long role_max, bool role_known)
{
	unsigned long requested, granted;
	sts_error err;

	if (sts_parse_duration(text, &requested) < 0) {
		stsctl_check_fault(c, "%s: duration=%s: not a number of seconds", where, text);
		return;
	}
	if (sts_duration_check(op, requested, role_max, &granted, &err) < 0)
		stsctl_check_fault(c, "%s: duration=%s: %s%s", where, text, err.msg,
				   role_known ? "" : " (no role may allow more)");
	else
		stsctl_check_passed(c);
}

/* A name given literally must be one STS accepts; with %u it is the
 * login's (checked then). */
static void check_name(check_ctx *c, const char *where, const char *arg, const char *value,
		       bool (*valid)(const char *), const char *rule)
{
	if (strchr(value, '%') || valid(value))
		stsctl_check_passed(c);
	else
		stsctl_check_fault(c, "%s: %s=%s: STS refuses it (%s)", where, arg, value, rule);
}

static void check_session_policy(check_ctx *c, const char *where, const sts_settings *s,
				 const char *name)
{
	sts_doc_bundle b;
	sts_error err;

	if (sts_identity_load_session_policy(s, name, &b, &err) != 0) {
		stsctl_check_fault(c, "%s: session_policy=%s: %s", where, name, err.msg);
		return;
	}
	sts_doc_bundle_free(&b);
	stsctl_check_passed(c);
}

/* The arguments of one pam_sts.so line, at |where| ("FILE:LINE"); an
 * account line (|decides|) names the operation the session phase asks for. */
static void check_args(pam_run *r, const char *where, int argc, const char **argv, bool decides)
{
	check_ctx *c = r->c;
	const sts_settings *s;
	sts_args a;
	sts_error err;
	sts_operation op = STS_OP_SESSION;
	unsigned long role_max = STS_ROLE_MAX_SESSION_MAX;
	int bad;

	if (sts_module_args_parse(argc, argv, &a, &bad, &err) < 0) {
		stsctl_check_fault(c, "%s: %s", where, err.msg);
		return;
	}
	stsctl_check_passed(c);
	if (!(s = config_for(r, where, a.config)))
		return;
	if (strcmp(a.action, "assume-role") == 0) {
		op = STS_OP_ASSUME_ROLE;
		role_max = check_role(c, where, s, a.role);
	} else if (strcmp(a.action, "federate") == 0) {
		op = STS_OP_FEDERATE;
		check_name(c, where, "name", a.name, sts_valid_federated_name,
			   "[A-Za-z0-9_+=,.@-], 2..32 characters");
	}
	if (decides)
		stsctl_check_upstream_op(c, s, where, op);
	if (a.session_name)
		check_name(c, where, "session_name", a.session_name, sts_valid_session_name,
			   "[A-Za-z0-9_+=,.@-], 2..64 characters");
	if (a.duration && role_max)
		check_duration(c, where, op, a.duration, role_max,
			       op != STS_OP_ASSUME_ROLE ||
				       (strcmp(a.role, "prompt") != 0 && !strchr(a.role, '%')));
	if (a.session_policy)
		check_session_policy(c, where, s, a.session_policy);
}

/* Splits |line| in place the way Linux-PAM does: words, or [bracketed]
 * text in which "\]" stands for ']' (the brackets are dropped). */
static int split(char *line, const char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *out;

		p += strspn(p, " \t\r\n");
		if (!*p || n == max)
			return *p ? -1 : n;
		if (*p != '[') {
			words[n++] = p;
			p += strcspn(p, " \t\r\n");
			if (*p)
				*p++ = '\0';
			continue;
		}
		words[n++] = out = ++p;
		while (*p && *p != ']') {
			if (p[0] == '\\' && p[1] == ']')
				p++;
			*out++ = *p++;
		}
		if (*p)
			p++;
		*out = '\0';
	}
}

static bool names_pam_sts(const char *module)
{
	const char *base = strrchr(module, '/');

	return strcmp(base ? base + 1 : module, "pam_sts.so") == 0;
}

/* One logical line (comment removed, continuations joined) of |file|. */
static void check_line(pam_run *r, const char *file, unsigned lineno, char *line)
{
	const char *words[PAM_ARGS_MAX + 3];
	char where[PAM_WHERE_MAX];
	int n = split(line, words, PAM_ARGS_MAX + 3);

	snprintf(where, sizeof(where), "%s:%u", file, lineno);
	if (n < 0) {
		if (strstr(line, "pam_sts.so"))
			stsctl_check_fault(r->c, "%s: more than %d arguments", where, PAM_ARGS_MAX);
		return;
	}
	if (n < 3 || words[0][0] == '@' || !names_pam_sts(words[2]))
		return;
	check_args(r, where, n - 3, words + 3,
		   strcmp(words[0] + (words[0][0] == '-'), "account") == 0);
}

/* Reads |path| whole; NULL when it cannot be read (not a service file). */
static char *read_service(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = f ? malloc(PAM_FILE_MAX + 1) : NULL;
	size_t len = text ? fread(text, 1, PAM_FILE_MAX + 1, f) : 0;

	if (f)
		fclose(f);
	if (!text || len > PAM_FILE_MAX) {
		free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/* Each logical line: '#' starts a comment, a '\' before the newline joins
 * the next line (the line number is the first's). */
static void check_service(pam_run *r, const char *path)
{
	char *text = read_service(path), *p = text;
	unsigned lineno = 1;

	while (p && *p) {
		unsigned first = lineno;
		char *start = p, *out = p;
		bool comment = false;

		for (; *p && *p != '\n'; p++) {
			if (*p == '#')
				comment = true;
			if (!comment && p[0] == '\\' && p[1] == '\n') {
				*out++ = ' ';
				p++;
				lineno++;
			} else if (!comment) {
				*out++ = *p;
			}
		}
		if (*p)
			p++;
		lineno++;
		*out = '\0';
		check_line(r, path, first, start);
	}
	free(text);
}

static int service_filter(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

void stsctl_check_pam_dir(check_ctx *c, const char *dir)
{
	pam_run r = { .c = c, .n = 0 };
	struct dirent **entries = NULL;
	char path[4096];
	int n = scandir(dir, &entries, service_filter, alphasort);

	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			check_service(&r, path);
		free(entries[i]);
	}
	free(entries);
	configs_free(&r);
}
