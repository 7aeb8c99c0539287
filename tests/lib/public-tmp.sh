# shellcheck shell=bash
# Sourced by the suites that run something as another user (nobody, throw-away
# users). What that user must reach is staged here, never under the clone: a
# clone may sit below a 0700 directory such as /root, which other users cannot
# traverse.
#
# public_base: prints the first of $TMPDIR, /tmp, /var/tmp that every user can
#   traverse (each directory above it searchable by others) and that allows
#   exec; fails when there is none.
# public_tmpdir PREFIX: creates a fresh directory PREFIX.XXXXXX there, mode
#   0755, and prints its path.
# stage_program FILE DIR: copies FILE into DIR (mode 0755) and prints the
#   copy's path, for a program another user runs.

public_base() {
	local cand d
	for cand in "${TMPDIR:-}" /tmp /var/tmp; do
		[[ -n $cand && -d $cand ]] || continue
		findmnt -n -o OPTIONS -T "$cand" 2>/dev/null | grep -qw noexec && continue
		d=$(cd "$cand" && pwd -P) || continue
		while [[ -n $d ]]; do
			[[ $(($(stat -c '%#a' "$d") & 1)) -eq 1 ]] || break
			d=${d%/*}
		done
		[[ -z $d ]] || continue
		printf '%s\n' "$(cd "$cand" && pwd -P)"
		return 0
	done
	return 1
}

public_tmpdir() {
	local base dir
	base=$(public_base) || return 1
	dir=$(mktemp -d "$base/$1.XXXXXX") || return 1
	chmod 0755 "$dir" || return 1
	printf '%s\n' "$dir"
}

stage_program() {
	local copy
	copy="$2/$(basename "$1")"
	install -m 0755 "$1" "$copy" || return 1
	printf '%s\n' "$copy"
}
