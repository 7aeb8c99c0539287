#!/usr/bin/python3
"""A stand-in for AWS STS and EC2's IMDSv2 on 127.0.0.1, for pam_sts's tests.

STS (POST /, the Query protocol): every request's SigV4 signature is checked with
sigv4.py, an independent signer, and refused the way STS refuses (IncompleteSignature,
SignatureDoesNotMatch also for clock skew, InvalidClientTokenId for an unknown key or a
missing or wrong session token, ExpiredToken). AssumeRole, GetFederationToken and
GetSessionToken answer with STS's XML, with STS's rules on the parameters the tests use
(ValidationError), AccessDenied for roles named Denied* and for GetFederationToken or
GetSessionToken called with role credentials.

IMDSv2: PUT /latest/api/token, then GET /latest/meta-data/iam/security-credentials/[ROLE]
with the token (401 without a valid one); the role's credentials are the "instance"
base identity below.

Faults: POST /_standin/fault with a JSON body {"mode": M, "count": N, "seconds": S}
queues N faults for the next STS requests: throttle (400 Throttling), 5xx (503 with
ServiceUnavailable), garbled (200 with broken XML), slow (waits S seconds, then
answers); imds-401 refuses the next IMDS GET's token once; imds-forget drops every
IMDS token at once. Each request is logged as a JSON line
(--log) without secrets. Standard library only; it exits on its own after --lifetime.

  sts_standin.py --port-file F [--log L] [--lifetime S] [--region R] [--tls-cert C --tls-key K]
  sts_standin.py --self-test [--sigv4-suite DIR]   the signer against AWS's test suite
"""
import argparse
import datetime
import http.server
import json
import os
import re
import secrets
import ssl
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigv4  # noqa: E402
import sigv4_vectors  # noqa: E402

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
ACCOUNT = "123456789012"
# The base identities the tests sign with (fake values, valid only here).
BASE = {
    "AKIASTANDINUSER00001": {"secret": "standin/user/secret/0000000000000000000001",
                             "token": None, "kind": "user", "name": "pam-sts-broker"},
    "ASIASTANDINROLE00001": {"secret": "standin/instance/role/secret/000000000001",
                             "token": "standin-instance-session-token-0001",
                             "kind": "role", "name": "standin-instance-role"},
    "ASIASTANDINEXPIRED01": {"secret": "standin/expired/secret/00000000000000000001",
                             "token": "standin-expired-session-token-0001",
                             "kind": "expired", "name": "expired"},
}
INSTANCE_KEY = "ASIASTANDINROLE00001"
NAME_RE = re.compile(r"^[\w+=,.@-]*$")
ROLE_ARN_RE = re.compile(r"^arn:aws:iam::(\d{12}):role/([\w+=,.@/-]{1,64})$")
CHAIN_TEXT = ("The requested DurationSeconds exceeds the 1 hour session limit for roles "
              "assumed by role chaining.")


class StsFault(Exception):
    def __init__(self, status, code, message, kind="Sender"):
        super().__init__(message)
        self.status, self.code, self.message, self.kind = status, code, message, kind


def xml_escape(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def error_xml(fault, request_id):
    return ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
            '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n'
            '</ErrorResponse>\n' % (NS, fault.kind, fault.code, xml_escape(fault.message),
                                    request_id))


def validation(value, field, constraint):
    raise StsFault(400, "ValidationError",
                   "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                   "constraint: %s" % (value, field, constraint))


def check_name(params, key, field, lo, hi, required=True):
    value = params.get(key)
    if value is None:
        if required:
            raise StsFault(400, "MissingParameter",
                           "The request must contain the parameter %s" % key)
        return None
    if not (lo <= len(value) <= hi):
        validation(value, field, "Member must have length between %d and %d" % (lo, hi))
    if not NAME_RE.match(value):
        validation(value, field, "Member must satisfy regular expression pattern: "
                   "[\\w+=,.@-]*")
    return value


def check_duration(params, lo, hi, base):
    text = params.get("DurationSeconds")
    if text is None:
        return 3600
    if not text.isdigit() or not (lo <= int(text) <= hi):
        validation(text, "durationSeconds", "Member must have value between %d and %d" %
                   (lo, hi))
    if base["kind"] == "role" and int(text) > 3600 and params.get("Action") == "AssumeRole":
        raise StsFault(400, "ValidationError", CHAIN_TEXT)
    return int(text)


def issue_credentials(seconds, arn):
    """New credentials for |arn|; known from now on as a signer of GetCallerIdentity
    (kind "issued": they can call nothing else here)."""
    expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=seconds)
    c = {"akid": "ASIA" + secrets.token_hex(8).upper(),
         "secret": secrets.token_urlsafe(30)[:40],
         "token": "FwoGZXIvYXdz" + secrets.token_urlsafe(96),
         "expiration": expiration.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    with STATE.lock:
        BASE[c["akid"]] = {"secret": c["secret"], "token": c["token"], "kind": "issued",
                           "name": arn, "arn": arn}
    return c


def caller_identity(params, base, request_id):
    """GetCallerIdentity: who signed (the ARN STS issued the credentials for)."""
    arn = base.get("arn") or "arn:aws:iam::%s:user/%s" % (ACCOUNT, base["name"])
    inner = ("<Arn>%s</Arn>\n<UserId>%s</UserId>\n<Account>%s</Account>\n" %
             (xml_escape(arn), xml_escape(base["name"]), ACCOUNT))
    return success_xml("GetCallerIdentity", inner, request_id)


def credentials_xml(c):
    # Whitespace inside the secrets, as the IAM guide's example has it.
    return ("<Credentials>\n<SessionToken>\n  %s\n</SessionToken>\n<SecretAccessKey>\n  %s\n"
            "</SecretAccessKey>\n<Expiration>%s</Expiration>\n<AccessKeyId>%s</AccessKeyId>\n"
            "</Credentials>\n" % (c["token"], c["secret"], c["expiration"], c["akid"]))


def success_xml(action, inner, request_id):
    return ('<%sResponse xmlns="%s">\n<%sResult>\n%s</%sResult>\n<ResponseMetadata>\n'
            '<RequestId>%s</RequestId>\n</ResponseMetadata>\n</%sResponse>\n' %
            (action, NS, action, inner, action, request_id, action))


def assume_role(params, base, request_id):
    arn = params.get("RoleArn") or ""
    m = ROLE_ARN_RE.match(arn)
    if not m:
        validation(arn, "roleArn", "Member must be a role ARN")
    session = check_name(params, "RoleSessionName", "roleSessionName", 2, 64)
    source = check_name(params, "SourceIdentity", "sourceIdentity", 2, 64, required=False)
    seconds = check_duration(params, 900, 43200, base)
    role = m.group(2).split("/")[-1]
    if role.startswith("Denied"):
        raise StsFault(403, "AccessDenied",
                       "User: arn:aws:iam::%s:user/%s is not authorized to perform: "
                       "sts:AssumeRole on resource: %s" % (ACCOUNT, base["name"], arn))
    c = issue_credentials(seconds, "arn:aws:sts::%s:assumed-role/%s/%s" % (m.group(1), role,
                                                                           session))
    inner = credentials_xml(c)
    inner += ("<AssumedRoleUser>\n<Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>\n"
              "<AssumedRoleId>AROASTANDIN%s:%s</AssumedRoleId>\n</AssumedRoleUser>\n"
              "<PackedPolicySize>%d</PackedPolicySize>\n" %
              (m.group(1), role, session, role.upper()[:8], session,
               6 if params.get("Policy") else 0))
    if source:
        inner += "<SourceIdentity>%s</SourceIdentity>\n" % source
    return success_xml("AssumeRole", inner, request_id)


def needs_user(base, action):
    if base["kind"] != "user":
        raise StsFault(403, "AccessDenied",
                       "Cannot call %s with session credentials" % action)


def federation_token(params, base, request_id):
    needs_user(base, "GetFederationToken")
    name = check_name(params, "Name", "name", 2, 32)
    seconds = check_duration(params, 900, 129600, base)
    policy = params.get("Policy")
    if policy is not None and len(policy) > 2048:
        validation("...", "policy", "Member must have length less than or equal to 2048")
    c = issue_credentials(seconds, "arn:aws:sts::%s:federated-user/%s" % (ACCOUNT, name))
    inner = credentials_xml(c)
    inner += ("<FederatedUser>\n<Arn>arn:aws:sts::%s:federated-user/%s</Arn>\n"
              "<FederatedUserId>%s:%s</FederatedUserId>\n</FederatedUser>\n"
              "<PackedPolicySize>%d</PackedPolicySize>\n" %
              (ACCOUNT, name, ACCOUNT, name, 6 if policy else 0))
    return success_xml("GetFederationToken", inner, request_id)


def session_token(params, base, request_id):
    needs_user(base, "GetSessionToken")
    seconds = check_duration(params, 900, 129600, base)
    code = params.get("TokenCode")
    if code is not None and not re.match(r"^\d{6}$", code):
        validation(code, "tokenCode", "Member must satisfy regular expression pattern: "
                   "[\\d]*")
    if (code is None) != (params.get("SerialNumber") is None):
        raise StsFault(400, "ValidationError", "SerialNumber and TokenCode go together")
    arn = "arn:aws:iam::%s:user/%s" % (ACCOUNT, base["name"])
    return success_xml("GetSessionToken", credentials_xml(issue_credentials(seconds, arn)),
                       request_id)


ACTIONS = {"AssumeRole": assume_role, "GetFederationToken": federation_token,
           "GetSessionToken": session_token, "GetCallerIdentity": caller_identity}


class State:
    def __init__(self, region, log_path):
        self.region = region
        self.log_path = log_path
        self.lock = threading.Lock()
        self.faults = []
        self.imds_tokens = {}  # token -> expiry (monotonic seconds)

    def log(self, record):
        if not self.log_path:
            return
        with self.lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")

    def next_fault(self):
        with self.lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            fault["count"] -= 1
            if fault["count"] <= 0:
                self.faults.pop(0)
            return fault


def verify_sts(state, handler, body):
    """The base identity that signed the request, or StsFault."""
    path, _, query = handler.path.partition("?")
    headers = list(handler.headers.items())

    def secret_for(akid):
        with state.lock:
            return BASE[akid]["secret"] if akid in BASE else None

    try:
        akid, details = sigv4.verify("POST", path, query, headers, body, secret_for,
                                     state.region, "sts",
                                     datetime.datetime.now(datetime.timezone.utc))
    except sigv4.SigError as e:
        status = 400 if e.code == "IncompleteSignature" else 403
        raise StsFault(status, e.code, e.message)
    base = BASE[akid]
    sent = sigv4.get_header(headers, "x-amz-security-token")
    if base["token"] is not None and sent != base["token"]:
        raise StsFault(403, "InvalidClientTokenId",
                       "The security token included in the request is invalid.")
    if base["token"] is None and sent is not None:
        raise StsFault(403, "InvalidClientTokenId",
                       "The security token included in the request is invalid.")
    if base["kind"] == "expired":
        raise StsFault(400, "ExpiredToken",
                       "The security token included in the request is expired")
    return base, details["signed_headers"]


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "sts-standin"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the JSON log says what happened
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if 0 < length <= 1 << 20 else b""

    def answer(self, status, body, content_type="text/xml"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.read_body()
        if self.path == "/_standin/fault":
            fault = json.loads(body)
            fault.setdefault("count", 1)
            with STATE.lock:
                if fault["mode"] == "imds-forget":
                    STATE.imds_tokens.clear()
                else:
                    STATE.faults.append(fault)
            STATE.log({"kind": "control", "fault": fault})
            return self.answer(200, "ok\n", "text/plain")
        return self.sts(body)

    def sts(self, body):
        request_id = "standin-" + secrets.token_hex(8)
        record = {"kind": "sts", "path": self.path, "request_id": request_id,
                  "content_type": self.headers.get("Content-Type")}
        fault = STATE.next_fault()
        if fault and fault["mode"] == "slow":
            time.sleep(float(fault.get("seconds", 3)))
        try:
            if fault and fault["mode"] == "throttle":
                raise StsFault(400, "Throttling", "Rate exceeded")
            if fault and fault["mode"] == "5xx":
                raise StsFault(503, "ServiceUnavailable", "Service unavailable", "Receiver")
            base, signed = verify_sts(STATE, self, body)
            record["base"] = base["kind"]
            record["signed_headers"] = signed
            params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True,
                                                 strict_parsing=bool(body)))
            record["action"] = params.get("Action")
            record["params"] = {k: v for k, v in params.items() if k != "TokenCode"}
            if params.get("Version") != "2011-06-15" or params.get("Action") not in ACTIONS:
                raise StsFault(400, "InvalidAction", "Could not find operation %s for "
                               "version %s" % (params.get("Action"), params.get("Version")))
            if base["kind"] == "issued" and params["Action"] != "GetCallerIdentity":
                raise StsFault(403, "AccessDenied", "The stand-in's issued credentials "
                               "can call GetCallerIdentity only")
            xml = ACTIONS[params["Action"]](params, base, request_id)
            if fault and fault["mode"] == "garbled":
                xml = xml[:len(xml) // 2] + "<<garbled"
            record["result"] = "garbled" if fault and fault["mode"] == "garbled" else "ok"
            STATE.log(record)
            return self.answer(200, xml)
        except StsFault as e:
            record["result"] = e.code
            STATE.log(record)
            return self.answer(e.status, error_xml(e, request_id))

    def imds_token_ok(self):
        token = self.headers.get("X-aws-ec2-metadata-token")
        with STATE.lock:
            expiry = STATE.imds_tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def do_PUT(self):
        self.read_body()
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds") or ""
        STATE.log({"kind": "imds", "method": "PUT", "path": self.path, "ttl": ttl})
        if self.path != "/latest/api/token":
            return self.answer(404, "Not Found\n", "text/plain")
        if not ttl.isdigit() or not (1 <= int(ttl) <= 21600):
            return self.answer(400, "Bad Request\n", "text/plain")
        token = "imds-" + secrets.token_urlsafe(32)
        with STATE.lock:
            STATE.imds_tokens[token] = time.monotonic() + int(ttl)
        return self.answer(200, token, "text/plain")

    def do_GET(self):
        prefix = "/latest/meta-data/iam/security-credentials/"
        ok = self.imds_token_ok()
        with STATE.lock:
            if ok and STATE.faults and STATE.faults[0]["mode"] == "imds-401":
                STATE.faults.pop(0)
                ok = False
        STATE.log({"kind": "imds", "method": "GET", "path": self.path, "token_ok": ok})
        if not ok:
            return self.answer(401, "Unauthorized\n", "text/plain")
        role = BASE[INSTANCE_KEY]
        if self.path == prefix:
            return self.answer(200, role["name"], "text/plain")
        if self.path != prefix + role["name"]:
            return self.answer(404, "Not Found\n", "text/plain")
        now = datetime.datetime.now(datetime.timezone.utc)
        doc = {"Code": "Success", "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
               "Type": "AWS-HMAC", "AccessKeyId": INSTANCE_KEY,
               "SecretAccessKey": role["secret"], "Token": role["token"],
               "Expiration": (now + datetime.timedelta(hours=6)).strftime(
                   "%Y-%m-%dT%H:%M:%SZ")}
        return self.answer(200, json.dumps(doc, indent=2), "text/plain")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


STATE = None


def self_test(suite_dir):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    suite_dir = suite_dir or sigv4_vectors.default_suite_dir(root)
    passed, failed, skipped = sigv4_vectors.run(suite_dir, print)
    print("sigv4-vectors: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


def main():
    global STATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--lifetime", type=float, default=300.0)
    ap.add_argument("--tls-cert", help="serve https with this certificate chain (PEM)")
    ap.add_argument("--tls-key", help="the certificate's key (PEM)")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--sigv4-suite")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args.sigv4_suite)
    if not args.port_file:
        ap.error("--port-file is required")
    STATE = State(args.region, args.log)
    server = Server(("127.0.0.1", 0), Handler)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    timer = threading.Timer(args.lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
