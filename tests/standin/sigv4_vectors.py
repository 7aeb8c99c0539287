"""Checks the stand-in's SigV4 verifier (sigv4.py) against AWS's SigV4 test suite.

The suite is read at test time from ../shared/sigv4-test-suite/v4 beside the repository
(or $SIGV4_TEST_SUITE) and never copied into it. Only the cases a POST with a form
body signed by libcurl can produce apply, plus the session-token GET:

  post-x-www-form-urlencoded, post-x-www-form-urlencoded-parameters  the form body STS
      takes (content-type, content-length and x-amz-content-sha256 signed)
  post-sts-header-before, post-sts-header-after  the session token signed (what libcurl
      7.88 does with a CURLOPT_HTTPHEADER token) and added after signing
  post-vanilla, post-vanilla-query, post-vanilla-empty-query-value  a POST's basics
  get-vanilla-with-session-token  the token header on a GET

The others do not apply: path normalisation and UTF-8 or space paths (STS's path is
always "/"), repeated, multi-line or reordered header values (libcurl sends each header
once, on one line), query ordering and encoding cases (the calls send no query: libcurl
7.88 signs the raw query unsorted), and v4a (the stand-in checks SigV4 only).

Each applicable case is verified from its signed request with the case's secret at the
case's timestamp: the canonical request, the string to sign and the signature must equal
the suite's, the request must pass, and the same request with its signature's last
character changed must fail.
"""
import datetime
import json
import os

import sigv4

CASES = [
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
    "post-sts-header-before",
    "post-sts-header-after",
    "post-vanilla",
    "post-vanilla-query",
    "post-vanilla-empty-query-value",
    "get-vanilla-with-session-token",
]


def default_suite_dir(repo_root):
    return os.environ.get("SIGV4_TEST_SUITE") or os.path.join(
        os.path.dirname(repo_root), "shared", "sigv4-test-suite", "v4")


def parse_request(text):
    """'METHOD /path?query HTTP/1.1', 'Name:value' lines, a blank line, the body."""
    head, _, rest = text.partition("\n\n")
    lines = head.split("\n")
    method, target, _ = lines[0].split(" ", 2)
    path, _, query = target.partition("?")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value))
    length = sigv4.get_header(headers, "content-length")
    body = rest.encode()[:int(length)] if length is not None else b""
    return method, path, query, headers, body


def read(case_dir, name):
    with open(os.path.join(case_dir, name), encoding="utf-8") as f:
        return f.read()


def check_case(case_dir):
    """The reasons the verifier disagrees with the suite on one case (empty: agrees)."""
    ctx = json.loads(read(case_dir, "context.json"))
    creds = ctx["credentials"]
    now = datetime.datetime.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    method, path, query, headers, body = parse_request(read(case_dir, "header-signed-request.txt"))

    def secret_for(akid):
        return creds["secret_access_key"] if akid == creds["access_key_id"] else None

    bad = []
    try:
        _, details = sigv4.verify(method, path, query, headers, body, secret_for,
                                  ctx["region"], ctx["service"], now)
    except sigv4.SigError as e:
        return ["refused the suite's signed request: %s %s" % (e.code, e.message)]
    for key, name in (("canonical_request", "header-canonical-request.txt"),
                      ("string_to_sign", "header-string-to-sign.txt"),
                      ("signature", "header-signature.txt")):
        if details[key] != read(case_dir, name).rstrip("\n"):
            bad.append("%s differs from %s" % (key, name))
    tampered = []
    for n, v in headers:
        if n.lower() == "authorization":
            v = v[:-1] + ("0" if v[-1] != "0" else "1")
        tampered.append((n, v))
    try:
        sigv4.verify(method, path, query, tampered, body, secret_for, ctx["region"],
                     ctx["service"], now)
        bad.append("accepted a tampered signature")
    except sigv4.SigError:
        pass
    return bad


def run(suite_dir, report):
    """Returns (passed, failed, skipped); report(line) prints."""
    if not os.path.isdir(suite_dir):
        report("SKIP sigv4 vectors: %s not found" % suite_dir)
        return 0, 0, len(CASES)
    passed = failed = 0
    for case in CASES:
        case_dir = os.path.join(suite_dir, case)
        reasons = check_case(case_dir) if os.path.isdir(case_dir) else ["case folder missing"]
        for r in reasons:
            report("FAIL sigv4 %s: %s" % (case, r))
        if reasons:
            failed += 1
        else:
            report("PASS sigv4 %s" % case)
            passed += 1
    return passed, failed, 0
