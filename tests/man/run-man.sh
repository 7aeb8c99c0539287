#!/usr/bin/env bash
# Man pages render without warnings, and document every module argument
# (lib/proto/module_args.c) and every pam_sts.conf key (lib/base/settings.c).
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
for arg in $(names lib/proto/module_args.c); do
	check "pam_sts(8) documents the argument $arg" "grep -q -- '$arg' man/pam_sts.8"
done
for key in $(names lib/base/settings.c); do
	check "pam_sts.conf(5) documents the key $key" "grep -q -- '^\.BI $key ' man/pam_sts.conf.5"
done
# Intersection is \(ca (∩); \(if is "infinity" and \(*C a capital Xi in groff.
bad_glyphs=$(grep -n '\\(if\|\\(\*C' man/*.[0-9])
check "man pages write ∩ as \\(ca: $bad_glyphs" '[[ -z $bad_glyphs ]]'
# Every action= value the module accepts (lib/proto/module_args.c) is in pam_sts(8)'s action= entry.
entry=$(grep -m1 '^\.BR action= [a-z]' man/pam_sts.8)
for value in $(grep -oE 'strcmp\(a->action, "[a-z-]+"\)' lib/proto/module_args.c | grep -oE '"[a-z-]+"' | tr -d '"' | sort -u); do
	check "pam_sts(8) documents action=$value ($entry)" "[[ '$entry' =~ [\ \|]$value(\||\$) ]]"
	check "pam_sts(8) describes action=$value" "grep -qx '\.B $value' man/pam_sts.8"
done
# README.Debian's Purging section names everything postrm deletes on purge.
purged=$(sed -n '/"\$1" = purge/,/^fi/p' debian/libpam-sts.postrm | grep -oE '^\s*rm -r?f [^;]*' |
	grep -oE '/[^ ]+')
purging=$(sed -n '/^Purging$/,$p' debian/libpam-sts.README.Debian)
check "debian/libpam-sts.postrm deletes something on purge" '[[ -n $purged ]]'
for p in $purged; do
	check "README.Debian's Purging section names $p (postrm deletes it)" "grep -qF -- ' $p ' <<<\"\$purging\""
done
check "README.Debian says purge deletes every enrolled device" "grep -q 'every enrolled device' <<<\"\$purging\""
# README.md's shell blocks copy only into directories that exist by then: made by an
# earlier `mkdir -p` of the block or by `make install` (its `install -d` lines).
made=$(grep -oE '\$\(DESTDIR\)\$\(SYSCONFDIR\)/pam_sts[^ \\]*' Makefile | sed 's|.*(SYSCONFDIR)|/etc|' | sort -u)
missing=$(awk '/^```sh/{b=1; delete mk; next} /^```/{b=0} b && $1 == "mkdir" {for (i = 2; i <= NF && $i != "#"; i++) mk[$i] = 1}
	b && $1 == "cp" {for (i = NF; i > 1; i--) if ($i ~ "^/") { d = $i; sub("/$", "", d); if (!(d in mk)) print d; break }}' README.md |
	while read -r d; do grep -qx -- "$d" <<<"$made" || echo "$d"; done)
check "README.md copies into directories that do not exist yet: $missing" '[[ -z $missing ]]'
# docs/bastion.md section 6: each log line there is one a format string of the code writes.
out=$(python3 tests/man/doc-logs.py . 2>&1)
check "docs/bastion.md section 6 shows the log lines the code writes: $(grep -v '^ok: ' <<<"$out")" \
	'[[ -n $out && $(grep -c "^FAIL: " <<<"$out") -eq 0 ]]'
# docs/protocol.md names every operation, key and status word of lib/proto/protocol.h.
words=$(grep -oE '^#define STS_(REQ|KEY|STATUS|RESULT|SECRETS|FLOOR)_[A-Z_]+\s+"[^"]+"' lib/proto/protocol.h |
	grep -oE '"[^"]+"' | tr -d '"')
undocumented=$(for w in $words; do grep -qF -- "\`$w\`" docs/protocol.md || echo "$w"; done)
check "docs/protocol.md names every word of lib/proto/protocol.h: $undocumented" \
	'[[ -n $words && -z $undocumented ]]'
echo "man: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
