"""A small OpenID provider on loopback for the relying party's tests: discovery, JWKS, token, userinfo.

Its ID tokens are whatever the test mints (PyJWT with a test key set), so that every kind of
broken token can be sent to the real callback. It counts what the client asks of it.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "epty-test"
CLIENT_SECRET = "test-client-secret-0123456789-abcdef"
ACR = "urn:bankid:bid;LOA=4"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str | None) -> dict:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"use": "sig", "alg": "RS256"})
    if kid:
        jwk["kid"] = kid
    return jwk


class FakeOP:
    def __init__(self, keys: dict[str, rsa.RSAPrivateKey]):
        self.keys = keys                      # kid → private key (for minting)
        self.published: list[dict] = [public_jwk(k, kid) for kid, k in keys.items()]
        self.codes: dict[str, dict] = {}      # code → token response
        self.used_codes: set[str] = set()
        self.calls = {"discovery": 0, "jwks": 0, "token": 0, "userinfo": 0}
        self.token_requests: list[dict] = []
        self.userinfo: dict | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # --- minting ------------------------------------------------------------------------
    def claims(self, nonce_value: str, **overrides) -> dict:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "per-login-sub-1", "iat": now, "exp": now + 300,
                  "nonce": nonce_value, "acr": ACR, "amr": ["BID"], "bankid_altsub": "9578-5999-4-1765512",
                  "name": "Kari Nordmann", "given_name": "Kari", "family_name": "Nordmann", "birthdate": "1985-03-14"}
        for key, value in overrides.items():
            if value is DROP:
                claims.pop(key, None)
            else:
                claims[key] = value
        return claims

    def mint(self, claims: dict, *, kid: str | None = "k1", key=None, algorithm: str = "RS256") -> str:
        headers = {"kid": kid} if kid else {}
        if algorithm == "none":
            return jwt.encode(claims, None, algorithm="none")
        signing_key = key if key is not None else self.keys[kid or "k1"]
        return jwt.encode(claims, signing_key, algorithm=algorithm, headers=headers)

    def issue_code(self, code: str, id_token: str) -> str:
        self.codes[code] = {"access_token": f"at-{code}", "token_type": "Bearer", "expires_in": 300,
                            "id_token": id_token}
        return code

    # --- HTTP ------------------------------------------------------------------------------
    def discovery_doc(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo", "end_session_endpoint": f"{self.issuer}/logout",
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"]}

    def _handler(self):
        op = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body, content_type="application/json"):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    op.calls["discovery"] += 1
                    return self._json(200, op.discovery_doc())
                if self.path == "/jwks":
                    op.calls["jwks"] += 1
                    return self._json(200, {"keys": op.published})
                if self.path == "/userinfo":
                    op.calls["userinfo"] += 1
                    return self._json(200, op.userinfo or {})
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != "/token":
                    return self._json(404, {"error": "not_found"})
                op.calls["token"] += 1
                op.token_requests.append({"form": form, "authorization": self.headers.get("Authorization")})
                expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._json(401, {"error": "invalid_client"})
                code = form.get("code", "")
                if code in op.used_codes or code not in op.codes or not form.get("code_verifier"):
                    return self._json(400, {"error": "invalid_grant"})
                op.used_codes.add(code)
                return self._json(200, op.codes[code])

        return Handler


class _Drop:
    def __repr__(self):
        return "DROP"


DROP = _Drop()
