#!/usr/bin/env python3
"""Run the peer corpus (../shared/peer-corpus/ beside the repo) through the stsctl CLI contract.

The corpus is third-party data under its own licences: it is read here at test time and never
copied into the project (no fixtures are derived from it). When the folder is absent, every case
is reported as skipped and the suite succeeds.

Decision case   -> stsctl simulate --policy F... --session-policy F... --boundary F
                                  --action A --resource R [--principal P] [--context K=V]...
                   passes when the first stdout line equals `expected` and the exit status is
                   0 for allowed, 1 otherwise.
Validation case -> stsctl validate F
                   passes when the exit status is 0 for a valid document, 2 for an invalid one
                   (with a non-empty stderr that names the file).

Env: BUILD (default build; stsctl is $BUILD/stsctl), STSCTL (overrides the binary),
PEER_CORPUS (overrides the corpus folder). Last line: `peer: N passed, N failed[, N skipped]`.
Known deviations: tests/peer/known-deviations.txt, one `ID reason...` per line.
"""

import argparse
import concurrent.futures
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_IN_CORPUS = 248  # per the corpus README; only used for the "not found" skip line
CALL_TIMEOUT = 10  # seconds per stsctl call
DEVIATIONS_FILE = os.path.join(HERE, "known-deviations.txt")


def repo_root():
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return os.path.dirname(os.path.dirname(HERE))


def load_deviations(path):
    devs = {}
    if not os.path.exists(path):
        return devs
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            devs[parts[0]] = parts[1] if len(parts) > 1 else "(no reason given)"
    return devs


def load_cases(corpus):
    cases = []
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(corpus, name), encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    case = json.loads(line)
                except ValueError as e:
                    case = {"id": "%s:%d" % (name, n), "_error": "unparsable corpus line: %s" % e}
                case.setdefault("id", "%s:%d" % (name, n))
                cases.append(case)
    return cases


def ctx_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    return json.dumps(v)


def write_doc(path, doc):
    with open(path, "w", encoding="utf-8") as fh:
        if isinstance(doc, str):
            fh.write(doc)
        else:
            json.dump(doc, fh)


def call(argv):
    """Returns (exit status or None on timeout, stdout, stderr)."""
    try:
        p = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=CALL_TIMEOUT,
        )
        return (
            p.returncode,
            p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"),
        )
    except subprocess.TimeoutExpired as e:
        err = (e.stderr or b"").decode("utf-8", "replace")
        return None, "", (err.rstrip() + "\n" if err.strip() else "") + "(timed out after %ds)" % (
            CALL_TIMEOUT)
    except OSError as e:
        return None, "", "cannot run %s: %s" % (argv[0], e)


def status_text(rc):
    if rc is None:
        return "timeout"
    if rc < 0:
        return "signal %d" % -rc
    return "exit %d" % rc


def run_decision(case, stsctl, tmp):
    pol = case.get("policies") or {}
    req = case.get("request") or {}
    argv = [stsctl, "simulate"]
    for kind, opt in (("identity", "--policy"), ("session", "--session-policy"),
                      ("boundary", "--boundary")):
        for i, doc in enumerate(pol.get(kind) or []):
            f = os.path.join(tmp, "%s-%d.json" % (kind, i))
            write_doc(f, doc)
            argv += [opt, f]
    argv += ["--action", req.get("action", ""), "--resource", req.get("resource", "")]
    if req.get("principal"):
        argv += ["--principal", req["principal"]]
    for k, v in (req.get("context") or {}).items():
        if isinstance(v, list):
            if not v:
                argv += ["--context", "%s[]" % k]
            for x in v:
                argv += ["--context", "%s[]=%s" % (k, ctx_value(x))]
        else:
            argv += ["--context", "%s=%s" % (k, ctx_value(v))]
    expected = case.get("expected")
    rc, out, err = call(argv)
    first = out.split("\n", 1)[0].strip() if out else ""
    want_rc = 0 if expected == "allowed" else 1
    ok = rc == want_rc and first == expected
    got = "%s, %s" % (first or "(no output)", status_text(rc))
    want = "%s, exit %d" % (expected, want_rc)
    return ok, want, got, err, argv


def run_validation(case, stsctl, tmp):
    f = os.path.join(tmp, "%s.json" % case["id"].replace("/", "_"))
    write_doc(f, case.get("document"))
    argv = [stsctl, "validate", f]
    rc, out, err = call(argv)
    valid = bool(case.get("valid"))
    if valid:
        ok = rc == 0
        want = "valid, exit 0"
    else:
        names_file = f in err or os.path.basename(f) in err
        ok = rc == 2 and err.strip() != "" and names_file
        want = "invalid, exit 2, stderr naming the file"
        if case.get("aws_error"):
            want += " (AWS: %s)" % case["aws_error"]
    got = status_text(rc)
    if not valid and rc == 2:
        if not err.strip():
            got += ", empty stderr"
        elif not (f in err or os.path.basename(f) in err):
            got += ", stderr does not name the file"
    return ok, want, got, err, argv


def run_case(case, stsctl, tmproot):
    if "_error" in case:
        return False, "a parsable case", case["_error"], "", []
    tmp = tempfile.mkdtemp(prefix="case-", dir=tmproot)
    try:
        if "policies" in case:
            return run_decision(case, stsctl, tmp)
        if "document" in case:
            return run_validation(case, stsctl, tmp)
        return False, "a decision or validation case", "unknown case shape", "", []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def indent(text, prefix="    "):
    return "".join(prefix + line + "\n" for line in text.rstrip("\n").split("\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case and command")
    ap.add_argument("-k", "--filter", default="", help="run only cases whose id contains this")
    ap.add_argument("--corpus", help="corpus folder (default: $PEER_CORPUS or ../shared/peer-corpus)")
    ap.add_argument("--stsctl", help="stsctl binary (default: $STSCTL or $BUILD/stsctl)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    root = repo_root()
    corpus = args.corpus or os.environ.get("PEER_CORPUS") or os.path.join(
        os.path.dirname(root), "shared", "peer-corpus")
    if not os.path.isdir(corpus):
        shown = corpus if (args.corpus or os.environ.get("PEER_CORPUS")) else "../shared/peer-corpus"
        print("peer: 0 passed, 0 failed, %d skipped (%s not found)" % (CASES_IN_CORPUS, shown))
        return 0

    build = os.environ.get("BUILD") or "build"
    stsctl = args.stsctl or os.environ.get("STSCTL") or os.path.join(root, build, "stsctl")
    stsctl = os.path.abspath(stsctl)
    if not os.access(stsctl, os.X_OK):
        print("peer: %s is not built (make tools)" % stsctl)
        print("peer: 0 passed, 1 failed")
        return 1

    cases = [c for c in load_cases(corpus) if args.filter in c["id"]]
    devs = load_deviations(DEVIATIONS_FILE)
    ids = {c["id"] for c in cases}
    if not args.filter:
        for d in sorted(set(devs) - ids):
            print("peer: warning: known-deviations.txt names %s, which is not in the corpus" % d)

    passed = failed = skipped = 0
    tmproot = tempfile.mkdtemp(prefix="pam_sts-peer-")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            futures = [ex.submit(run_case, c, stsctl, tmproot) for c in cases]
            for case, fut in zip(cases, futures):
                ok, want, got, err, argv = fut.result()
                cid = case["id"]
                if ok and cid in devs:
                    passed += 1
                    print("NOW PASSES %s (listed as a known deviation: %s; remove it from "
                          "known-deviations.txt)" % (cid, devs[cid]))
                elif ok:
                    passed += 1
                    if args.verbose:
                        print("ok   %s" % cid)
                elif cid in devs:
                    skipped += 1
                    print("known deviation %s: %s (expected %s, got %s)" % (cid, devs[cid], want, got))
                else:
                    failed += 1
                    print("FAIL %s [%s]" % (cid, case.get("source", "?")))
                    print("  expected: %s" % want)
                    print("  got:      %s" % got)
                    if case.get("note") and args.verbose:
                        print("  note:     %s" % case["note"])
                    if err.strip():
                        print("  stderr:")
                        sys.stdout.write(indent(err[:4000]))
                if args.verbose and argv:
                    print("  $ " + shlex.join(argv))
    finally:
        shutil.rmtree(tmproot, ignore_errors=True)

    line = "peer: %d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
