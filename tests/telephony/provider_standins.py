"""Stand-ins for the providers' REST APIs on a local port: each checks the request's auth exactly as the provider
documents it, records what it got, and answers as the provider does.

- Twilio: `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`, HTTP basic auth (account SID : auth token), form
  body; 201 with the call resource (`sid`), or Twilio's error body (`code`, `message`, `status`).
- Zadarma: `GET /v1/request/callback/`, `Authorization: <key>:<signature>`, the signature as Zadarma's own PHP
  client (user-api-v1, lib/Client.php) computes it: `base64(hash_hmac('sha1', $method . $paramsString .
  md5($paramsString), $secret))` — PHP's hash_hmac gives hex — where $paramsString is
  `http_build_query(ksort($params), PHP_QUERY_RFC1738)`.
- Mango Office: `POST /vpbx/queries/recording/post`, form vpbx_api_key, sign, json, sign = sha256_hex(api_key +
  json + api_salt) over the raw json; json {"recording_id", "action": "download"}: a 302 to the file, the file
  itself (ids starting "direct"), or 404.
- Recordings: `GET /recordings/{name}` a small WAV, a file too large, a 404; Twilio's with basic auth.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import secrets
import wave
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from aiohttp import web

TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_AUTH = "twilio-auth-token"
ZADARMA_KEY = "zadarma-api-key"
MANGO_API_KEY, MANGO_API_SALT = "mango-api-key", "mango-api-salt"


def php_query(params: dict[str, str]) -> str:
    """PHP's http_build_query after ksort, RFC 1738 (spaces as '+')."""
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(params.items()))


def zadarma_expected(secret: str, method: str, params: dict[str, str]) -> str:
    query = php_query(params)
    mac = hmac.new(
        secret.encode(), (method + query + hashlib.md5(query.encode()).hexdigest()).encode(), "sha1"
    )
    return base64.b64encode(mac.hexdigest().encode()).decode()


def small_wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 800)
    return out.getvalue()


@dataclass
class Standin:
    zadarma_secret: str
    url: str = ""
    twilio_calls: list[dict[str, list[str]]] = field(default_factory=list)
    zadarma_calls: list[dict[str, str]] = field(default_factory=list)
    zadarma_record_requests: list[dict[str, str]] = field(default_factory=list)
    mango_record_requests: list[dict] = field(default_factory=list)  # the json of each well-signed request
    refused: list[str] = field(default_factory=list)  # requests whose auth did not check out
    recording_gets: list[str] = field(default_factory=list)
    twilio_refuses: bool = False
    big_bytes: int = 0
    flaky_failures: int = 0  # /recordings/flaky-*: answer 503 this many times first
    wav: bytes = field(default_factory=small_wav)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Calls.json", self.twilio_create_call)
        app.router.add_get("/v1/request/callback/", self.zadarma_callback)
        app.router.add_get("/v1/pbx/record/request/", self.zadarma_record_request)
        app.router.add_post("/vpbx/queries/recording/post", self.mango_recording)
        app.router.add_get("/recordings/{name}", self.recording)
        app.router.add_get("/2010-04-01/Accounts/{sid}/Recordings/{name}", self.twilio_recording)
        return app

    def _basic_ok(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_AUTH}".encode()).decode()
        return hmac.compare_digest(request.headers.get("Authorization", ""), expected)

    async def twilio_create_call(self, request: web.Request) -> web.Response:
        if request.match_info["sid"] != TWILIO_SID or not self._basic_ok(request):
            self.refused.append("twilio")
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        form = await request.post()
        self.twilio_calls.append({k: form.getall(k) for k in set(form.keys())})
        if self.twilio_refuses:
            message = "The 'To' number is not a valid phone number."
            return web.json_response({"code": 21211, "message": message, "status": 400}, status=400)
        sid = "CA" + secrets.token_hex(16)
        body = {
            "sid": sid,
            "account_sid": TWILIO_SID,
            "to": form["To"],
            "from": form["From"],
            "status": "queued",
        }
        return web.json_response(body, status=201)

    async def zadarma_callback(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        key, _, signature = request.headers.get("Authorization", "").partition(":")
        expected = zadarma_expected(self.zadarma_secret, request.path, params)
        if key != ZADARMA_KEY or not hmac.compare_digest(signature, expected):
            self.refused.append("zadarma")
            return web.json_response({"status": "error", "message": "Not authorized"}, status=401)
        self.zadarma_calls.append(params)
        return web.json_response({"status": "success", "from": params.get("from"), "to": params.get("to"),
                                  "time": 1700000000})  # fmt: skip

    async def zadarma_record_request(self, request: web.Request) -> web.Response:
        """A temporary link to a recording by its id (`call_id`, NOTIFY_RECORD's call_id_with_rec)."""
        params = dict(request.query)
        key, _, signature = request.headers.get("Authorization", "").partition(":")
        if key != ZADARMA_KEY or not hmac.compare_digest(
            signature, zadarma_expected(self.zadarma_secret, request.path, params)
        ):
            self.refused.append("zadarma")
            return web.json_response({"status": "error", "message": "Not authorized"}, status=401)
        self.zadarma_record_requests.append(params)
        record = params.get("call_id", "")
        if not record.startswith("ok"):
            return web.json_response({"status": "error", "message": "Record not found"})
        return web.json_response({"status": "success", "link": f"{self.url}/recordings/{record}.mp3",
                                  "lifetime_till": "2030-01-01 00:00:00"})  # fmt: skip

    async def mango_recording(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        key, sign, raw = (
            str(form.get("vpbx_api_key", "")),
            str(form.get("sign", "")),
            str(form.get("json", "")),
        )
        expected = hashlib.sha256((MANGO_API_KEY + raw + MANGO_API_SALT).encode()).hexdigest()
        if key != MANGO_API_KEY or not hmac.compare_digest(sign, expected):
            self.refused.append("mango")
            return web.json_response({"result": 3102, "message": "wrong sign"}, status=401)
        query = json.loads(raw)
        self.mango_record_requests.append(query)
        record = str(query.get("recording_id", ""))
        if record.startswith("elsewhere"):  # a redirect off Mango's hosts (the same port, another origin)
            raise web.HTTPFound(self.url.replace("127.0.0.1", "localhost") + f"/recordings/ok-{record}.wav")
        if query.get("action") != "download" or not record.startswith(("ok", "big", "direct")):
            return web.json_response({"result": 3300, "message": "recording not found"}, status=404)
        if record.startswith("direct"):
            self.recording_gets.append(record)
            return web.Response(body=self.wav, content_type="audio/wav")
        raise web.HTTPFound(f"/recordings/{record}.wav")

    async def recording(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.recording_gets.append(name)
        if name.startswith("flaky") and self.flaky_failures > 0:
            self.flaky_failures -= 1
            return web.Response(status=503, text="try later")
        if name.startswith(("ok", "flaky")):
            return web.Response(body=self.wav, content_type="audio/wav")
        if name.startswith("big"):
            return web.Response(body=b"\x00" * self.big_bytes, content_type="audio/mpeg")
        if name.startswith("html"):
            return web.Response(text="<html>login</html>", content_type="text/html")
        return web.Response(status=404, text="Not Found")

    async def twilio_recording(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.recording_gets.append(name)
        if not self._basic_ok(request):
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        if not name.endswith((".wav", ".mp3")):
            return web.Response(status=404)
        return web.Response(
            body=self.wav, content_type="audio/mpeg" if name.endswith(".mp3") else "audio/x-wav"
        )
