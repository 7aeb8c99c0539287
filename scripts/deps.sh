#!/usr/bin/env bash
# Install the Debian packages pam_sts needs, only those that are missing.
#
#   scripts/deps.sh build [PROFILE...]   install what is missing (default profile: build)
#   scripts/deps.sh check [PROFILE...]   exit 1 (listing them) if any are missing; installs nothing
#   scripts/deps.sh list  [PROFILE...]   print the packages, one per line
#
# `make deps` (and so `make check`, `make bench`, `make fuzz`) runs `scripts/deps.sh build`.
# Fast when everything is present: one dpkg-query call, no apt.
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# The package lists: the one place to extend. One entry per word: "package" or "package=command".
# With "=command", the package also counts as present when `command` is on PATH (e.g. a Node.js
# from elsewhere that bundles npm, where installing Debian's npm would conflict).
# Later issues add profiles (e.g. e2e: openssh-server awscli pamtester expect;
# package: devscripts lintian debhelper) and name them in PROFILE_NAMES.
# ---------------------------------------------------------------------------------------------
PROFILE_NAMES="build"

# shellcheck disable=SC2034 # read through ${!var} in entries()
PKGS_build="
	build-essential pkg-config
	libpam0g-dev libssl-dev libjson-c-dev liboath-dev libqrencode-dev libpq-dev oathtool
	libcurl4-openssl-dev libxml2-dev
	libcmocka-dev libpamtest0-dev libpam-wrapper libnss-wrapper valgrind cppcheck clang-tidy
	clang-format clang llvm libclang-rt-14-dev
	python3=python3 nodejs=node npm=npm
	git ca-certificates
	man-db groff-base
	dpkg-dev debhelper lintian pamtester libpam-oath
	openssh-server openssh-client expect awscli python3-boto3
	postgresql
"

die() {
	echo "deps.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: scripts/deps.sh {build|check|list} [PROFILE...]  (profiles: $PROFILE_NAMES)" >&2
	exit 2
}

# entries PROFILE... -> prints "package" or "package=command" entries, deduplicated, in order
entries() {
	local p var
	for p in "$@"; do
		case " $PROFILE_NAMES " in
		*" $p "*) ;;
		*) die "unknown profile '$p' (known: $PROFILE_NAMES)" ;;
		esac
		var="PKGS_$p"
		# shellcheck disable=SC2086 # split the list into words on purpose
		printf '%s\n' ${!var}
	done | awk '!seen[$0]++'
}

# missing ENTRY... -> prints the packages that are neither installed nor provided by their command
missing() {
	local -A installed=()
	local name status e pkg cmd
	local pkgs=()
	for e in "$@"; do
		pkgs+=("${e%%=*}")
	done
	# One dpkg-query for everything; unknown packages only produce a message on stderr.
	while IFS=$'\t' read -r name status; do
		[[ "$status" == ii* ]] && installed["${name%%:*}"]=1
	done < <(dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\n' "${pkgs[@]}" 2>/dev/null || true)
	for e in "$@"; do
		pkg="${e%%=*}"
		cmd=""
		[[ "$e" == *=* ]] && cmd="${e#*=}"
		[[ -n "${installed[$pkg]:-}" ]] && continue
		[[ -n "$cmd" ]] && command -v "$cmd" >/dev/null 2>&1 && continue
		echo "$pkg"
	done
}

action="${1:-}"
[[ $# -gt 0 ]] && shift
profiles=("$@")
[[ ${#profiles[@]} -eq 0 ]] && profiles=(build)

case "$action" in
list)
	entries "${profiles[@]}" | sed 's/=.*//'
	exit 0
	;;
build | install | check) ;;
*) usage ;;
esac

mapfile -t wanted < <(entries "${profiles[@]}")
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian only"
mapfile -t need < <(missing "${wanted[@]}")

if [[ ${#need[@]} -eq 0 ]]; then
	exit 0
fi

if [[ "$action" == check ]]; then
	echo "deps.sh: missing packages: ${need[*]}" >&2
	exit 1
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "deps.sh: missing Debian packages: ${need[*]}" >&2
	echo "deps.sh: install them as root:  apt-get install --no-install-recommends ${need[*]}" >&2
	exit 1
fi

echo "deps.sh: installing missing packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
apt-get "${apt_opts[@]}" update </dev/null || die "apt-get update failed"
apt-get "${apt_opts[@]}" install -y --no-install-recommends "${need[@]}" </dev/null ||
	die "apt-get install failed for: ${need[*]}"

# Check the result: a package that apt could not provide must not pass silently.
mapfile -t still < <(missing "${wanted[@]}")
[[ ${#still[@]} -eq 0 ]] || die "still missing after install: ${still[*]}"
echo "deps.sh: done"
