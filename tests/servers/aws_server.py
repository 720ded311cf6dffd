#!/usr/bin/env python3
# Fake AWS endpoints for the ecr source's end-to-end test, checking what the real services check
# (from AWS's public docs: EC2 "Use IMDSv2", STS API reference AssumeRole /
# AssumeRoleWithWebIdentity, ECR API reference GetAuthorizationToken, "Signature Version 4
# signing process"). One port, routed as AWS routes by request shape:
#   PUT  /latest/api/token          IMDSv2 session token; needs X-aws-ec2-metadata-token-ttl-seconds
#                                   (1..21600). A GET without X-aws-ec2-metadata-token (IMDSv1) is
#                                   401 and counted as "imds_v1".
#   GET  /latest/meta-data/iam/security-credentials/[ROLE]   the instance role and its keys.
#   POST / Action=AssumeRoleWithWebIdentity   unsigned form; the WebIdentityToken must be a
#                                   configured one and RoleArn the role it may assume.
#   POST / Action=AssumeRole        SigV4 (service sts) by a known key; RoleArn a configured role.
#   POST / X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken
#                                   JSON 1.1, SigV4 (service ecr); the answer's token decodes to
#                                   AWS:<the password of the configured registry user>.
# Every signature is recomputed INDEPENDENTLY with botocore's SigV4Auth (Debian python3-botocore)
# over the headers the request says it signed, which must include host and x-amz-date (and
# x-amz-security-token for session keys, x-amz-target for ECR); X-Amz-Date more than 5 minutes off
# is "Signature expired", as AWS answers.
#
# Usage: aws_server.py --config CONFIG.json --port-file FILE
# CONFIG.json (0600): {"region": "us-west-2", "registry_password": "...",
#   "instance_role": "node-role",
#   "web_identities": {"<JWT>": ["arn:aws:iam::...:role/a", ...]},   # token -> roles it may assume
#   "assumable_roles": ["arn:aws:iam::...:role/pull"]}                # for AssumeRole
# GET /count -> {"imds_put": n, "imds_get": n, "imds_v1": n, "sts": n, "ecr": n, "ecr_by": {key: n}}
# POST /reset zeroes the counts; POST /config {"delay_ms": n, "throttle": n, "deny_sts": bool,
#   "skew_s": n}: answer slowly, throttle the next n ECR calls, deny STS, run AWS's clock n seconds
#   off the machine's (Date headers and the 5-minute signature window follow it).
import base64, datetime, http.server, json, os, secrets, sys, threading, time, urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from serving import announce, make_server

LOCK = threading.Lock()
COUNTS = {"imds_put": 0, "imds_get": 0, "imds_v1": 0, "sts": 0, "ecr": 0, "ecr_by": {}}
KNOBS = {"delay_ms": 0, "throttle": 0, "deny_sts": False, "skew_s": 0}
IMDS_TOKENS = set()
KEYS = {}  # access key id -> (secret, session token or None, principal)
ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_keys(principal):
    akid = "ASIA" + secrets.token_hex(8).upper()
    secret, token = secrets.token_urlsafe(30), secrets.token_urlsafe(60)
    with LOCK:
        KEYS[akid] = (secret, token, principal)
    return akid, secret, token


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # requests carry secrets; never log them

    def date_time_string(self, timestamp=None):
        return super().date_time_string(time.time() + KNOBS["skew_s"])

    def reply(self, status, body, ctype="application/json", headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def json_error(self, status, code, message):
        self.reply(status, json.dumps({"__type": code, "message": message}),
                   "application/x-amz-json-1.1")

    def xml_error(self, status, code, message):
        self.reply(status, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                   f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                   "</Error><RequestId>r</RequestId></ErrorResponse>", "text/xml")

    # ---- IMDSv2
    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        if self.path != "/latest/api/token":
            return self.reply(404, "")
        with LOCK:
            COUNTS["imds_put"] += 1
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= 21600:
            return self.reply(400, "")
        tok = secrets.token_urlsafe(32)
        with LOCK:
            IMDS_TOKENS.add(tok)
        self.reply(200, tok, "text/plain", [("X-aws-ec2-metadata-token-ttl-seconds", str(ttl))])

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/count":
            with LOCK:
                return self.reply(200, json.dumps(COUNTS))
        prefix = "/latest/meta-data/iam/security-credentials/"
        if not path.startswith(prefix):
            return self.reply(404, "")
        with LOCK:
            COUNTS["imds_get"] += 1
            ok = self.headers.get("X-aws-ec2-metadata-token") in IMDS_TOKENS
            if not ok:
                COUNTS["imds_v1"] += 1
        if not ok:
            return self.reply(401, "")
        role = self.server.cfg["instance_role"]
        name = path[len(prefix):]
        if name == "":
            return self.reply(200, role, "text/plain")
        if name != role:
            return self.reply(404, "")
        akid, secret, token = new_keys("instance " + role)
        now = time.time()
        self.reply(200, json.dumps({
            "Code": "Success", "LastUpdated": iso(now), "Type": "AWS-HMAC", "AccessKeyId": akid,
            "SecretAccessKey": secret, "Token": token, "Expiration": iso(now + 6 * 3600)}))

    # ---- SigV4, recomputed by botocore
    def verify_sigv4(self, raw, service, required):
        """(access key id, None) or (None, (code, message))."""
        auth = self.headers.get("Authorization", "")
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(",")
                     if "=" in p) if auth.startswith("AWS4-HMAC-SHA256 ") else {}
        cred = parts.get("Credential", "").split("/")
        signed = parts.get("SignedHeaders", "").split(";")
        if len(cred) != 5 or cred[4] != "aws4_request" or not parts.get("Signature"):
            return None, ("MissingAuthenticationTokenException", "Missing Authentication Token")
        akid, day, region, svc = cred[:4]
        with LOCK:
            known = KEYS.get(akid)
        if known is None:
            return None, ("UnrecognizedClientException", "The security token included in the "
                          "request is invalid.")
        secret, token, _ = known
        need = set(required) | {"host", "x-amz-date"} | ({"x-amz-security-token"} if token else set())
        if not need <= set(signed) or signed != sorted(signed):
            return None, ("IncompleteSignatureException", "signed headers lack " +
                          ",".join(sorted(need - set(signed))))
        if svc != service or region != self.server.cfg["region"]:
            return None, ("InvalidSignatureException", f"Credential should be scoped to a valid "
                          f"region/service, not {region}/{svc}")
        if token and self.headers.get("X-Amz-Security-Token") != token:
            return None, ("UnrecognizedClientException", "The security token included in the "
                          "request is invalid.")
        amz_date = self.headers.get("X-Amz-Date", "")
        try:
            t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            return None, ("IncompleteSignatureException", "bad X-Amz-Date")
        aws_now = time.time() + KNOBS["skew_s"]
        if abs(t - aws_now) > 300 or day != amz_date[:8]:
            now = datetime.datetime.fromtimestamp(aws_now, datetime.timezone.utc).strftime(
                "%Y%m%dT%H%M%SZ")
            return None, ("InvalidSignatureException",
                          f"Signature expired: {amz_date} is now earlier than {now} (300 s)")
        headers = {h: self.headers.get(h, "") for h in signed}
        req = AWSRequest(method=self.command, url="http://" + self.headers.get("Host", "") +
                         self.path, data=raw, headers=headers)
        req.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(akid, secret, token), service, region)
        canonical = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, canonical), req)
        if want != parts["Signature"]:
            return None, ("InvalidSignatureException", "The request signature we calculated does "
                          "not match the signature you provided.")
        return akid, None

    def do_POST(self):
        raw = self.rfile.read(min(int(self.headers.get("Content-Length", "0") or 0), 1 << 20))
        path = urllib.parse.urlsplit(self.path).path
        if path == "/reset":
            with LOCK:
                for k in COUNTS:
                    COUNTS[k] = {} if k == "ecr_by" else 0
            return self.reply(200, "{}")
        if path == "/config":
            with LOCK:
                KNOBS.update(json.loads(raw or b"{}"))
            return self.reply(200, "{}")
        if KNOBS["delay_ms"]:
            time.sleep(KNOBS["delay_ms"] / 1000)
        if self.headers.get("X-Amz-Target") is not None:
            return self.ecr(raw)
        return self.sts(raw)

    def sts(self, raw):
        with LOCK:
            COUNTS["sts"] += 1
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.xml_error(400, "InvalidParameterValue", "form body expected")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode(errors="replace")).items()}
        action, role = form.get("Action"), form.get("RoleArn", "")
        if form.get("Version") != "2011-06-15" or not form.get("RoleSessionName"):
            return self.xml_error(400, "MissingParameter", "Version and RoleSessionName required")
        if KNOBS["deny_sts"]:
            return self.xml_error(403, "AccessDenied", f"Not authorized to perform "
                                  f"sts:{action} on {role}")
        cfg = self.server.cfg
        if action == "AssumeRoleWithWebIdentity":
            if "Authorization" in self.headers:
                return self.xml_error(400, "InvalidParameterValue", "unsigned call expected")
            if role not in cfg["web_identities"].get(form.get("WebIdentityToken", ""), []):
                return self.xml_error(403, "AccessDenied", "Not authorized to perform "
                                      "sts:AssumeRoleWithWebIdentity")
        elif action == "AssumeRole":
            akid, err = self.verify_sigv4(raw, "sts", [])
            if err:
                return self.xml_error(403, *err)
            if role not in cfg["assumable_roles"]:
                return self.xml_error(403, "AccessDenied", f"User is not authorized to perform: "
                                      f"sts:AssumeRole on resource: {role}")
        else:
            return self.xml_error(400, "InvalidAction", "unknown action")
        session = form["RoleSessionName"]
        akid, secret, token = new_keys(role + "/" + session)
        arn = role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/" + session
        exp = iso(time.time() + int(form.get("DurationSeconds", "3600")))
        self.reply(200, f"<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                   f"<{action}Result><AssumedRoleUser><Arn>{arn}</Arn><AssumedRoleId>AROA:{session}"
                   f"</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>{akid}"
                   f"</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{token}"
                   f"</SessionToken><Expiration>{exp}</Expiration></Credentials></{action}Result>"
                   f"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>",
                   "text/xml")

    def ecr(self, raw):
        with LOCK:
            COUNTS["ecr"] += 1
        if (self.headers.get("X-Amz-Target") != ECR_TARGET or
                self.headers.get("Content-Type") != "application/x-amz-json-1.1"):
            return self.json_error(400, "UnknownOperationException", "unknown operation")
        akid, err = self.verify_sigv4(raw, "ecr", ["x-amz-target"])
        if err:
            return self.json_error(403 if err[0] != "InvalidSignatureException" else 400, *err)
        with LOCK:
            COUNTS["ecr_by"][KEYS[akid][2]] = COUNTS["ecr_by"].get(KEYS[akid][2], 0) + 1
            throttled = KNOBS["throttle"] > 0
            if throttled:
                KNOBS["throttle"] -= 1
        if throttled:
            return self.json_error(400, "ThrottlingException", "Rate exceeded")
        try:
            if json.loads(raw) != {}:
                raise ValueError
        except ValueError:
            return self.json_error(400, "SerializationException", "body must be {}")
        # The registry password is per principal in real ECR; here one registry user stands for
        # every principal the test allows.
        token = base64.b64encode(("AWS:" + self.server.cfg["registry_password"]).encode()).decode()
        self.reply(200, json.dumps({"authorizationData": [{
            "authorizationToken": token, "expiresAt": time.time() + 12 * 3600,
            "proxyEndpoint": "https://" + self.server.cfg.get("registry_host", "")}]}),
            "application/x-amz-json-1.1")


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    with open(args["--config"]) as f:
        cfg = json.load(f)
    httpd = make_server(Handler, cfg=cfg)
    announce(httpd, args["--port-file"])
    httpd.serve_forever()


if __name__ == "__main__":
    main()
