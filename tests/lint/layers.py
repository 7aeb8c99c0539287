#!/usr/bin/env python3
"""The tree's layering (docs/design.md, "Rules that keep the boundary"), one check per source file.

lib/ has seven families in an order; a file may include headers of its own family and of the
families its row allows, never a higher one, so no two folders include each other. pam_sts/ (the
module, inside sshd and sudo) may include only lib/base and lib/proto, the client archive's
families. A program under helper/ may include lib/ and its own folder, never another program's.
Prints FAIL lines and a last line "layers: N passed, N failed".
"""
import pathlib
import re
import sys

ALLOWED = {
    "lib/base": {"base"},
    "lib/proto": {"base", "proto"},
    "lib/policy": {"base", "policy"},
    "lib/mfa": {"base", "proto", "mfa"},
    "lib/decide": {"base", "proto", "policy", "decide"},
    "lib/token": {"base", "proto", "policy", "decide", "token"},
    "lib/upstream": {"base", "proto", "policy", "decide", "token", "upstream"},
    "pam_sts": {"base", "proto"},
}
FAMILIES = {"base", "proto", "policy", "decide", "token", "mfa", "upstream"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def allowed_for(folder):
    if folder in ALLOWED:
        return ALLOWED[folder]
    if folder.startswith("helper/"):
        return FAMILIES
    return None


def check(path, root):
    """The reasons |path| breaks the rules (empty: it keeps them)."""
    folder = str(path.parent.relative_to(root))
    families = allowed_for(folder)
    if families is None:
        return [f"{path.relative_to(root)}: not in a known folder"]
    bad = []
    for name in INCLUDE.findall(path.read_text()):
        if "/" not in name:
            if not (path.parent / name).is_file():
                bad.append(f"includes {name}, which is not in its own folder")
            continue
        family = name.split("/", 1)[0]
        if family not in FAMILIES or not (root / "lib" / name).is_file():
            bad.append(f"includes {name}, which is no lib/ header")
        elif family not in families:
            bad.append(f"includes {name}: {folder} may include only {sorted(families)}")
    return [f"{path.relative_to(root)}: {b}" for b in bad]


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    files = sorted(p for d in ("lib", "pam_sts", "helper") for p in (root / d).rglob("*.[ch]"))
    passed = failed = 0
    for path in files:
        reasons = check(path, root)
        for r in reasons:
            print(f"FAIL: {r}")
        failed += bool(reasons)
        passed += not reasons
    if not files:
        print("FAIL: no sources found")
        failed += 1
    print(f"layers: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
