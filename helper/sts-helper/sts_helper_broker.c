/*
 * sts-helper --serve: the resident broker. It answers the requests of
 * lib/proto/codec.h on a Unix stream socket (pam_sts.conf's helper_socket),
 * one request per connection, through sts_helper_handle(): the same function
 * the exec'd helper runs on its stdin, so every request is served exactly as
 * a fresh sts-helper would serve it. What the broker saves a login is the
 * fork, the exec, the dynamic loading and OpenSSL's initialisation, and the
 * reading of pam_sts.conf, the issuer key ring and the grant key while they
 * are unchanged: lib/base/file_cache.h keeps them, checked by one fstatat() per
 * use and read and checked afresh whenever their stat differs. The policies,
 * the MFA store and the users are read again for each request; the boot id
 * once per process (lib/mfa/mfa_state.c).
 *
 * Connections are served concurrently, bounded (helper/sts-helper/sts_helper_broker.h):
 * one thread reads every connection's request (sts_helper_conns.c), worker
 * threads answer complete requests (sts_helper_pool.c, which says why
 * threads), and a client that stalls holds neither a worker nor another
 * client's turn. When the broker is saturated it answers "busy" at once,
 * and the module runs the helper instead; a broker that stalls after taking
 * a request is bounded by the module's own helper_timeout.
 *
 * No operation changes process-wide state that would leak into another
 * request, concurrent or next: umask (077, set once, as the exec'd helper sets it), the working
 * directory ("/"), credentials, signal dispositions and the environment are
 * never changed by an operation, and no alarm() is armed here (the exec'd
 * helper's 60-second limit would kill the broker; deadlines are per
 * connection instead).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "base/file_cache.h"
#include "base/fileio.h"
#include "base/settings.h"
#include "sts_helper_reap.h"
#include "sts_helper_broker.h"
#include "sts_helper_fleet.h"
#include "sts_helper_memo.h"
#include "sts_helper_settings.h"

/* Connections the kernel queues before the broker accepts them; beyond,
 * connect(2) fails at once with EAGAIN and the module runs the helper. */
#define BACKLOG STS_BROKER_MAX_CONNS

typedef struct {
	char path[STS_SOCKET_PATH_MAX];
	char dir[STS_SOCKET_PATH_MAX];
	const char *name; /* the last component, in path */
	int dirfd;
	int listen_fd;
	ino_t ino; /* of the socket we bound: removed at exit only if still there */
} broker;

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* Start-up failures: to syslog, and to stderr for whoever started us (the
 * journal under systemd, an administrator's terminal). */
__attribute__((format(printf, 1, 2))) static void fail_start(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	syslog(LOG_ERR, "--serve: %s", msg);
	fprintf(stderr, "sts-helper --serve: %s\n", msg);
}

static int split_path(broker *b, const char *path)
{
	char *slash;

	if (snprintf(b->path, sizeof(b->path), "%s", path) >= (int)sizeof(b->path) ||
	    path[0] != '/')
		return -1;
	snprintf(b->dir, sizeof(b->dir), "%s", path);
	slash = strrchr(b->dir, '/');
	b->name = b->path + (slash - b->dir) + 1;
	if (slash == b->dir)
		slash[1] = '\0'; /* "/name": the root directory */
	else
		*slash = '\0';
	return *b->name && strcmp(b->name, ".") != 0 && strcmp(b->name, "..") != 0 ? 0 : -1;
}

/* The socket's directory: a real directory (not a link) owned by root or by
 * us and writable by nobody else, so that nobody else can replace the socket
 * between our checks and our use of its name. */
static int open_dir(broker *b)
{
	struct stat st;

	b->dirfd = open(b->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (b->dirfd < 0) {
		fail_start("%s: cannot open the socket's directory: %s", b->dir,
			   errno == ENOTDIR || errno == ELOOP ?
				   "a symbolic link or not a directory" :
				   strerror(errno));
		return -1;
	}
	if (fstat(b->dirfd, &st) < 0 || (st.st_uid != 0 && st.st_uid != sts_euid()) ||
	    (st.st_mode & 022)) {
		fail_start("%s: refused: the socket's directory must be a directory owned by root "
			   "or uid %u and writable by nobody else",
			   b->dir, (unsigned)sts_euid());
		return -1;
	}
	return 0;
}

/* True when a broker accepts connections on the socket already. */
static bool served(const broker *b)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool live;

	if (fd < 0)
		return false;
	memcpy(sa.sun_path, b->path, strlen(b->path) + 1);
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN;
	close(fd);
	return live;
}

/* A stale socket is replaced only when it is a socket of ours that nobody
 * serves; anything else there is refused, never removed. */
static int remove_stale(const broker *b)
{
	struct stat st;

	if (fstatat(b->dirfd, b->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		fail_start("%s: %s", b->path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != sts_euid()) {
		fail_start("%s: refused: exists and is not a socket owned by uid %u", b->path,
			   (unsigned)sts_euid());
		return -1;
	}
	if (served(b)) {
		fail_start("%s: another broker serves this socket", b->path);
		return -1;
	}
	if (unlinkat(b->dirfd, b->name, 0) < 0) {
		fail_start("%s: cannot remove the stale socket: %s", b->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Binds relative to the checked directory (from inside it), mode 0600. */
static int bind_socket(broker *b)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int rc;

	b->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (b->listen_fd < 0 || fchdir(b->dirfd) < 0) {
		fail_start("%s: socket: %s", b->path, strerror(errno));
		return -1;
	}
	memcpy(sa.sun_path, b->name, strlen(b->name) + 1);
	old = umask(0177);
	rc = bind(b->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || chdir("/") < 0) {
		fail_start("%s: bind: %s", b->path, strerror(errno));
		return -1;
	}
	if (fchmodat(b->dirfd, b->name, 0600, 0) < 0 ||
	    fstatat(b->dirfd, b->name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    listen(b->listen_fd, BACKLOG) < 0) {
		fail_start("%s: listen: %s", b->path, strerror(errno));
		return -1;
	}
	b->ino = st.st_ino;
	return 0;
}

/* Serves until SIGTERM or SIGINT. They are blocked except inside ppoll(),
 * so a request in progress is always finished; the workers start with them
 * blocked. */
static void run(const broker *b)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t stops, wait_mask;

	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigprocmask(SIG_BLOCK, &stops, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sts_pool_init();
	sts_helper_fleet_serving();
	sts_conns_serve(b->listen_fd, &wait_mask, &stop_signal, b->path);
	sts_pool_stop();
	sts_helper_fleet_stop();
}

static int start(broker *b, const char *config)
{
	sts_settings s;
	sts_error err;
	int rc;

	if (sts_helper_settings_load(config, &s, &err) < 0) {
		fail_start("%s", err.msg);
		return -1;
	}
	rc = s.helper_socket[0] ? split_path(b, s.helper_socket) : -1;
	if (rc < 0)
		fail_start("%s: helper_socket is empty or not a socket path", config);
	else
		sts_helper_reap(&s, NULL); /* sessions whose owner died while it was down */
	sts_settings_free(&s);
	if (rc == 0 && (open_dir(b) < 0 || remove_stale(b) < 0 || bind_socket(b) < 0))
		rc = -1;
	return rc;
}

int sts_broker_main(const char *config)
{
	broker b = { .dirfd = -1, .listen_fd = -1 };
	struct stat st;
	int rc = 1;

	sts_file_cache_enable(STS_FILE_CACHE_RECENT_S);
	if (start(&b, config) == 0) {
		syslog(LOG_INFO, "serving %s", b.path);
		sts_memo_enable(); /* op=open takes op=decide's decision */
		run(&b);
		sts_memo_clear();
		syslog(LOG_INFO, "stopped%s", stop_signal ? " by a signal" : " on an error");
		rc = stop_signal ? 0 : 1;
		/* Ours only: a broker started since may have replaced it. */
		if (fstatat(b.dirfd, b.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == b.ino &&
		    S_ISSOCK(st.st_mode))
			unlinkat(b.dirfd, b.name, 0);
	}
	if (b.listen_fd >= 0)
		close(b.listen_fd);
	if (b.dirfd >= 0)
		close(b.dirfd);
	sts_file_cache_disable(); /* wipes the cached keys */
	return rc;
}
