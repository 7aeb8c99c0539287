#!/usr/bin/env bash
# Man pages render without warnings, and document every module argument
# (pam_sts/args.c) and every pam_sts.conf key (lib/settings.c).
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

for page in man/*.[0-9]; do
	warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
	check "$page renders without warnings: $warnings" '[[ -z $warnings ]]'
done
# Names in the tables: lines like  { "name", ...
names() { grep -oE '^\s*\{ ?"[a-z_]+",' "$1" | grep -oE '"[a-z_]+"' | tr -d '"'; }
for arg in $(names pam_sts/args.c); do
	check "pam_sts(8) documents the argument $arg" "grep -q -- '$arg' man/pam_sts.8"
done
for key in $(names lib/settings.c); do
	check "pam_sts.conf(5) documents the key $key" "grep -q -- '^\.BI $key ' man/pam_sts.conf.5"
done
# stsctl check knows the same module arguments as the module.
table=$(names pam_sts/args.c | sort | tr '\n' ' ')
listed=$(grep -oE '"[a-z_]+"' lib/module_args.c | tr -d '"' | sort | tr '\n' ' ')
check "lib/module_args.c lists the arguments of pam_sts/args.c ($listed vs $table)" '[[ $table == "$listed" ]]'
echo "man: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
