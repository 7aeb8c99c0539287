# shellcheck shell=bash
# Sourced by the suites that need a real PostgreSQL server (the fleet store,
# issue 20). The server is the suite's own: Debian's postgresql 15 binaries,
# run by a throw-away OS user from a temporary directory, listening on a Unix
# socket only (listen_addresses=''), with a password (SCRAM) on that socket.
# Root reaches it through the socket directory; nobody else can.
#
# pg_start: creates the user, the cluster and the server; sets PG_DIR, PG_USER,
#   PG_SOCK (the socket directory), PG_DB (the database), PG_PASSFILE (a
#   root-only file holding the password alone, what pam_sts reads) and
#   PG_CONNINFO. Fails (returns 1, saying why) when anything is missing.
# pg_stop_server / pg_restart_server: stop (immediately: connections are cut)
#   and start the same cluster again.
# pg_cleanup: stops the server and removes the directory and the user; safe to
#   call more than once and from an EXIT trap, whatever state pg_start reached.
# pg_psql SQL...: runs psql as the database owner (for dumps and set-ups the
#   suite makes behind pam_sts's back).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck disable=SC2034 # the sourcing suite reads them
PG_DIR="" PG_USER="" PG_SOCK="" PG_DB=pam_sts PG_PASSFILE="" PG_CONNINFO=""

pg_start() {
	local pw
	[[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] || {
		echo "pg.sh: $PG_BIN/initdb or pg_ctl missing (Debian package postgresql)"
		return 1
	}
	[[ $(id -u) -eq 0 ]] || {
		echo "pg.sh: needs root (a throw-away OS user runs the server)"
		return 1
	}
	PG_USER="pgsts$$"
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		"$PG_USER" || {
		PG_USER=""
		echo "pg.sh: useradd failed"
		return 1
	}
	PG_DIR=$(mktemp -d /tmp/pg-sts.XXXXXX) || return 1
	PG_SOCK="$PG_DIR/sock"
	mkdir -m 0700 "$PG_DIR/data" "$PG_SOCK" "$PG_DIR/log"
	pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
	PG_PASSFILE="$PG_DIR/password"
	(umask 077 && printf '%s\n' "$pw" >"$PG_PASSFILE")
	# The server's own copy for initdb, readable by its user only.
	(umask 077 && printf '%s\n' "$pw" >"$PG_DIR/initpw")
	(umask 077 && printf '*:*:*:*:%s\n' "$pw" >"$PG_DIR/pgpass")
	chown "$PG_USER" "$PG_DIR/data" "$PG_SOCK" "$PG_DIR/log" "$PG_DIR/initpw"
	chmod 0711 "$PG_DIR"
	runuser -u "$PG_USER" -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U pam_sts \
		--pwfile="$PG_DIR/initpw" --auth-local=scram-sha-256 --auth-host=reject \
		>"$PG_DIR/initdb.log" 2>&1 || {
		echo "pg.sh: initdb failed:"
		tail -5 "$PG_DIR/initdb.log"
		return 1
	}
	rm -f "$PG_DIR/initpw"
	cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_SOCK'
unix_socket_permissions = 0700
max_connections = 100
fsync = off
CONF
	pg_restart_server || return 1
	PGPASSFILE="$PG_DIR/pgpass" "$PG_BIN/createdb" -h "$PG_SOCK" -U pam_sts "$PG_DB" || {
		echo "pg.sh: createdb failed"
		return 1
	}
	# shellcheck disable=SC2034 # the sourcing suite reads it
	PG_CONNINFO="host=$PG_SOCK user=pam_sts dbname=$PG_DB"
}

pg_restart_server() {
	runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log/server.log" -w \
		-t 30 start >/dev/null || {
		echo "pg.sh: the server did not start:"
		tail -5 "$PG_DIR/log/server.log"
		return 1
	}
}

pg_stop_server() {
	runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 \
		stop >/dev/null
}

pg_psql() {
	PGPASSFILE="$PG_DIR/pgpass" "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" \
		-U pam_sts -d "$PG_DB" "$@"
}

pg_dump_db() {
	PGPASSFILE="$PG_DIR/pgpass" "$PG_BIN/pg_dump" -h "$PG_SOCK" -U pam_sts "$PG_DB"
}

pg_cleanup() {
	local pid
	if [[ -n $PG_DIR && -n $PG_USER && -f $PG_DIR/data/postmaster.pid ]]; then
		# The server this file started, by the pid it wrote (a hung server
		# would keep userdel from removing its user).
		pid=$(head -1 "$PG_DIR/data/postmaster.pid")
		pg_stop_server 2>/dev/null || { [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null; }
	fi
	if [[ -n $PG_USER ]]; then
		userdel "$PG_USER" 2>/dev/null
		PG_USER=""
	fi
	if [[ -n $PG_DIR ]]; then
		rm -rf "$PG_DIR"
		PG_DIR=""
	fi
}
