#!/usr/bin/env bash
# Runs a systemd service's ExecStart= (or CMD) inside the sandbox its unit file describes,
# built from the unit's own [Service] directives, for hosts where systemd cannot run (the
# test containers): so a test of the service cannot drift from the unit it ships.
#
#   unit-sandbox.sh UNIT [CMD ARG...]
#
# A mount namespace of its own (unshare, private propagation): ProtectSystem= makes every
# mount read-only (strict: all but /dev, /proc, /sys; full/yes: /usr, /boot, /efi and /etc
# or not), then ReadWritePaths=, StateDirectory=, RuntimeDirectory=, LogsDirectory= and
# CacheDirectory= are bound writable again; ReadOnlyPaths=/InaccessiblePaths=, PrivateTmp=
# (fresh /tmp, /var/tmp), ProtectHome= (/home, /root, /run/user empty and inaccessible, or
# read-only), PrivateDevices= (a /dev of null, zero, full, random, urandom, tty and the log
# socket), ProtectKernelTunables= (/proc/sys, /sys read-only), ProtectControlGroups=. The
# process then runs under UMask=, NoNewPrivileges= and CapabilityBoundingSet= (setpriv; as
# root with no file capabilities, the bounding set is what it keeps), as root (User= is
# refused). The *Directory= directories are created with their *DirectoryMode= (0755 when
# unset) and chmod'ed to it when they exist, as systemd does on every start; the
# RuntimeDirectory= ones are removed when the process ends.
#
# Directives enforced by seccomp or by systemd itself (RestrictAddressFamilies=,
# SystemCallFilter=, MemoryDenyWriteExecute=, ...) are not emulated: they are listed in
# NOT_EMULATED below and the caller checks their values. Any directive in neither list is an
# error (exit 2), so a directive added to the unit is either emulated here or listed on
# purpose. A path that systemd would refuse (a ReadWritePaths= entry that does not exist,
# without the "-" prefix) makes it exit 226, as systemd's EXIT_NAMESPACE.
set -u
EMULATED=" ExecStart ProtectSystem ReadWritePaths ReadOnlyPaths InaccessiblePaths
	StateDirectory StateDirectoryMode RuntimeDirectory RuntimeDirectoryMode LogsDirectory
	LogsDirectoryMode CacheDirectory CacheDirectoryMode PrivateTmp ProtectHome PrivateDevices
	ProtectKernelTunables ProtectControlGroups ProtectKernelLogs NoNewPrivileges
	CapabilityBoundingSet UMask User "
# ProtectKernelLogs= also hides /proc/kmsg (not done: nothing here reads it).
NOT_EMULATED=" Type Restart RestartSec RestrictAddressFamilies RestrictNamespaces
	RestrictRealtime RestrictSUIDSGID LockPersonality MemoryDenyWriteExecute
	SystemCallArchitectures SystemCallFilter ProtectKernelModules ProtectClock
	ProtectHostname "

die() {
	echo "unit-sandbox: $*" >&2
	exit "${2:-2}"
}

[[ $# -ge 1 && -f $1 ]] || die "usage: unit-sandbox.sh UNIT [CMD ARG...]"
unit=$1
shift
declare -A val # directive -> value (space-joined over repeated lines; "" resets)
section=""
while IFS= read -r line || [[ -n $line ]]; do
	line=${line%$'\r'}
	[[ $line =~ ^[[:space:]]*([#\;]|$) ]] && continue
	if [[ $line =~ ^\[(.*)\]$ ]]; then
		section=${BASH_REMATCH[1]}
		continue
	fi
	[[ $section == Service ]] || continue
	[[ $line =~ ^([A-Za-z]+)=(.*)$ ]] || die "$unit: cannot parse: $line"
	key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
	[[ " $EMULATED $NOT_EMULATED " =~ [[:space:]]${key}[[:space:]] ]] ||
		die "$unit: $key= is neither emulated nor listed as not emulated"
	if [[ -z $value ]]; then val[$key]=""; else val[$key]="${val[$key]:+${val[$key]} }$value"; fi
done <"$unit"
get() { printf '%s' "${val[$1]:-${2:-}}"; }
yes() { [[ $(get "$1" no) =~ ^(yes|true|on|1)$ ]]; }

[[ -z $(get User) || $(get User) == root ]] || die "User=$(get User): only root services are emulated"
if [[ $# -eq 0 ]]; then
	read -r -a cmd <<<"$(get ExecStart)"
	[[ ${cmd[0]:-} == /* ]] || die "ExecStart= is not an absolute command: $(get ExecStart)"
	set -- "${cmd[@]}"
fi

# Capabilities: "CAP_A CAP_B" keeps those, "~CAP_A" drops those; unset keeps all.
caps=$(get CapabilityBoundingSet)
bounding=""
if [[ -n $caps ]]; then
	if [[ $caps == "~"* ]]; then bounding="+all" sign=-; else bounding="-all" sign=+; fi
	for c in ${caps#"~"}; do
		bounding+=",$sign$(tr '[:upper:]' '[:lower:]' <<<"${c#CAP_}")"
	done
fi

# The *Directory= directories (systemd creates them before the namespace).
rw=() made_runtime=()
add_dirs() { # DIRECTIVE BASE
	local d mode
	mode=$(get "${1}Mode" 0755)
	for d in $(get "$1"); do
		[[ $d != /* && $d != *..* ]] || die "$1=$d: not a relative path"
		if [[ ! -d $2/$d ]]; then
			mkdir -p "$2/$d" || die "$2/$d: cannot create" 226
		fi
		if ! chown root:root "$2/$d" || ! chmod "$mode" "$2/$d"; then
			die "$2/$d: cannot set $mode" 226
		fi
		rw+=("$2/$d")
	done
}
for p in $(get ReadWritePaths); do
	if [[ $p == -* ]]; then
		p=${p#-}
		[[ -e $p ]] || continue
	fi
	[[ -e $p ]] || die "ReadWritePaths=$p does not exist" 226
	rw+=("$p")
done
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() { rm -rf "${made_runtime[@]}" ${stage:+"$stage"}; }
# RuntimeDirectory= goes when the service stops, also when it was there before.
for d in $(get RuntimeDirectory); do made_runtime+=("/run/$d"); done
stage=""
trap cleanup EXIT
add_dirs StateDirectory /var/lib
add_dirs RuntimeDirectory /run
add_dirs LogsDirectory /var/log
add_dirs CacheDirectory /var/cache

setup=$(
	cat <<'EOF'
set -eu
# Every mount below PREFIX... read-only (each mount point has its own flag).
mounts() { awk '{print $5}' /proc/self/mountinfo | while IFS= read -r m; do printf '%b\n' "$m"; done; }
ro_under() {
	local m p
	for m in $(mounts); do
		for p in "$@"; do
			if [[ $m == "$p" || $m == "${p%/}"/* ]]; then
				mount -o remount,bind,ro "$m" 2>/dev/null || true
				break
			fi
		done
	done
}
EOF
)
setup+=$'\n'"mount --make-rprivate /"
# PrivateDevices=: built in a staging directory before anything is read-only, then moved
# onto /dev (the log socket is bound into it first: a bind of /dev/log goes with the old /dev).
if yes PrivateDevices; then
	stage=$(mktemp -d /run/unit-sandbox.XXXXXX) || die "mktemp" 226
	setup+=$'\n'"mount -t tmpfs -o mode=0755,nosuid,noexec tmpfs $stage"
	setup+=$'\n'"for n in null zero full random urandom tty; do touch $stage/\$n; mount --bind /dev/\$n $stage/\$n; done"
	setup+=$'\n'"mkdir $stage/shm; chmod 1777 $stage/shm"
	setup+=$'\n'"if [[ -S /dev/log ]]; then touch $stage/log; mount --bind /dev/log $stage/log; fi"
	setup+=$'\n'"mount --move $stage /dev; mount -o remount,bind,ro /dev"
fi
case $(get ProtectSystem no) in
strict)
	# shellcheck disable=SC2016 # expanded inside the namespace
	setup+=$'\n''for m in $(mounts); do case $m in /dev|/dev/*|/proc|/proc/*|/sys|/sys/*) ;; *) mount -o remount,bind,ro "$m" ;; esac; done'
	;;
full) setup+=$'\n'"for d in /usr /boot /efi /etc; do [[ -d \$d ]] && mount --bind \$d \$d; done; ro_under /usr /boot /efi /etc" ;;
yes | true) setup+=$'\n'"for d in /usr /boot /efi; do [[ -d \$d ]] && mount --bind \$d \$d; done; ro_under /usr /boot /efi" ;;
no | false) ;;
*) die "ProtectSystem=$(get ProtectSystem): unknown value" ;;
esac
yes ProtectKernelTunables && setup+=$'\n'"mount --bind /proc/sys /proc/sys; ro_under /proc/sys /sys"
yes ProtectControlGroups && setup+=$'\n'"ro_under /sys/fs/cgroup"
for p in "${rw[@]}"; do
	setup+=$'\n'"mount --bind $(printf '%q' "$p") $(printf '%q' "$p")"
	setup+=$'\n'"mount -o remount,bind,rw $(printf '%q' "$p")"
done
for p in $(get ReadOnlyPaths); do
	[[ $p == -* && ! -e ${p#-} ]] && continue
	q=$(printf '%q' "${p#-}")
	setup+=$'\n'"mount --bind $q $q; mount -o remount,bind,ro $q"
done
for p in $(get InaccessiblePaths); do
	[[ $p == -* && ! -e ${p#-} ]] && continue
	q=$(printf '%q' "${p#-}")
	setup+=$'\n'"if [[ -d $q ]]; then mount -t tmpfs -o ro,mode=000 tmpfs $q; else mount --bind /dev/null $q; fi"
done
if yes PrivateTmp; then
	setup+=$'\n'"mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp; mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp"
fi
case $(get ProtectHome no) in
yes | true) setup+=$'\n'"for d in /home /root /run/user; do [[ -d \$d ]] && mount -t tmpfs -o ro,mode=000 tmpfs \$d; done; true" ;;
read-only) setup+=$'\n'"for d in /home /root /run/user; do [[ -d \$d ]] && mount --bind \$d \$d; done; ro_under /home /root /run/user" ;;
tmpfs) setup+=$'\n'"for d in /home /root /run/user; do [[ -d \$d ]] && mount -t tmpfs -o mode=0755 tmpfs \$d; done; true" ;;
no | false) ;;
*) die "ProtectHome=$(get ProtectHome): unknown value" ;;
esac
setup+=$'\n'"umask $(get UMask 0022)"
priv=(setpriv --inh-caps=-all)
[[ -n $bounding ]] && priv+=("--bounding-set=$bounding")
yes NoNewPrivileges && priv+=(--no-new-privs)

interrupted=0
trap 'interrupted=1; kill -TERM "$child" 2>/dev/null' TERM INT
# unshare and bash exec (no fork): the child's pid is the service's.
unshare --mount --propagation private bash -c "$setup"$'\n''exec "$@"' sandbox "${priv[@]}" -- "$@" &
child=$!
wait "$child"
rc=$?
# A signal to this script cuts that wait short (128 + the signal): the service's own status
# comes from the next one (127 when it had ended before the signal).
if [[ $interrupted == 1 ]]; then
	wait "$child"
	again=$?
	[[ $again -ne 127 ]] && rc=$again
fi
exit "$rc"
