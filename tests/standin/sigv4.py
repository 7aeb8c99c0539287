"""An independent AWS Signature Version 4 verifier for the STS stand-in.

Written from AWS's documented algorithm ("Create a signed AWS API request", the
canonical request, the string to sign, the derived signing key) with hashlib and
hmac only: it shares no code with libcurl, which signs pam_sts's requests, nor with
botocore, so a mistake on one side cannot hide behind the same mistake on the other.
tests/standin/sts_standin.py --self-test checks it against AWS's SigV4 test suite.
"""
import datetime
import hashlib
import hmac
import re
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/, ]+)/(\d{8})/([^/, ]+)/([^/, ]+)/aws4_request, "
    r"SignedHeaders=([a-z0-9;_.-]+), Signature=([0-9a-f]{64})$")
MAX_SKEW = datetime.timedelta(minutes=5)


class SigError(Exception):
    """A refusal, with STS's error code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def uri_encode(text):
    """RFC 3986 encoding of everything but the unreserved characters, as SigV4 wants."""
    return urllib.parse.quote(text, safe="-_.~")


def canonical_query(raw_query):
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        key, _, value = part.partition("=")
        pairs.append((uri_encode(urllib.parse.unquote(key)),
                      uri_encode(urllib.parse.unquote(value))))
    return "&".join("%s=%s" % kv for kv in sorted(pairs))


def header_value(values):
    """Trims each value and folds runs of blanks, as the canonical headers want."""
    return ",".join(" ".join(v.split()) for v in values)


def canonical_request(method, path, raw_query, headers, signed, payload_hash):
    """|headers|: a list of (name, value) as received; |signed|: the lowercase names."""
    lines = [method, path or "/", canonical_query(raw_query)]
    for name in signed:
        values = [v for n, v in headers if n.lower() == name]
        if not values:
            raise SigError("SignatureDoesNotMatch", "signed header %s is absent" % name)
        lines.append("%s:%s" % (name, header_value(values)))
    lines += ["", ";".join(signed), payload_hash]
    return "\n".join(lines)


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def string_to_sign(amz_date, scope, creq):
    return "\n".join([ALGORITHM, amz_date, scope, sha256_hex(creq.encode())])


def parse_authorization(value):
    m = AUTH_RE.match(value or "")
    if not m:
        raise SigError("IncompleteSignature", "Authorization header is malformed")
    akid, date, region, service, signed, signature = m.groups()
    return {"akid": akid, "date": date, "region": region, "service": service,
            "signed": signed.split(";"), "signature": signature}


def get_header(headers, name):
    for n, v in headers:
        if n.lower() == name:
            return v
    return None


def verify(method, path, raw_query, headers, body, secret_for, region, service, now):
    """Checks one request. |secret_for(akid)| gives the secret or None.

    Returns (akid, details) where details holds the canonical request, the string to
    sign and the signed headers; raises SigError like STS would refuse."""
    auth = parse_authorization(get_header(headers, "authorization"))
    amz_date = get_header(headers, "x-amz-date")
    if not amz_date or not re.match(r"^\d{8}T\d{6}Z$", amz_date):
        raise SigError("IncompleteSignature", "X-Amz-Date is missing or malformed")
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)
    if abs(now - when) > MAX_SKEW:
        raise SigError("SignatureDoesNotMatch",
                       "Signature expired: %s is now earlier or later than the allowed "
                       "5 minutes around %s" % (amz_date, now.strftime("%Y%m%dT%H%M%SZ")))
    if auth["date"] != amz_date[:8] or auth["region"] != region or auth["service"] != service:
        raise SigError("SignatureDoesNotMatch", "Credential scope does not match the request")
    signed = auth["signed"]
    if signed != sorted(signed) or "host" not in signed or "x-amz-date" not in signed:
        raise SigError("SignatureDoesNotMatch", "SignedHeaders must be sorted and sign host "
                       "and x-amz-date")
    secret = secret_for(auth["akid"])
    if secret is None:
        raise SigError("InvalidClientTokenId",
                       "The security token included in the request is invalid.")
    claimed = get_header(headers, "x-amz-content-sha256")
    payload_hash = sha256_hex(body)
    if claimed is not None and claimed != payload_hash:
        raise SigError("SignatureDoesNotMatch", "x-amz-content-sha256 does not match the body")
    creq = canonical_request(method, path, raw_query, headers, signed, payload_hash)
    scope = "%s/%s/%s/aws4_request" % (auth["date"], region, service)
    sts = string_to_sign(amz_date, scope, creq)
    expected = hmac.new(signing_key(secret, auth["date"], region, service), sts.encode(),
                        hashlib.sha256).hexdigest()
    details = {"canonical_request": creq, "string_to_sign": sts, "signed_headers": signed,
               "signature": expected}
    if not hmac.compare_digest(expected, auth["signature"]):
        raise SigError("SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature "
                       "you provided. Check your AWS Secret Access Key and signing method.")
    return auth["akid"], details
