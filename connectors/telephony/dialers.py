"""Click-to-call through the providers' APIs (hub.dialing.Dialer): Twilio's Calls API and Zadarma's (Novofon's)
callback request. Each signs its request as the provider documents it; the base URL comes from HUB_TELEPHONY
(`api_url`), so tests point it at a stand-in.

- Twilio: `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`, HTTP basic auth (account SID, auth token), form
  `To` (the client), `From` (caller_id), `Twiml` (`<Dial>` the agent's line once the client answers: Twilio's own
  click-to-call pattern, so the call's status is the client's), `StatusCallback` (our webhook) with the events
  initiated, ringing, answered, completed. The answer names the call (`sid`).
- Zadarma: `GET /v1/request/callback/?from=<agent>&to=<client>&format=json`, header `Authorization: <key>:<sig>`,
  sig = base64 of the hex HMAC-SHA1, keyed with the API secret, of the method's path + the params sorted by name
  and url-encoded (form style) + the MD5 hex of that same string. The PBX rings the agent, then the client; the
  answer names no call, so its first webhook is matched to it (hub.actions.dialing).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

import aiohttp

from hub.dialing import DialError, DialRequest, PlacedCall

from .config import TelephonyConfig

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
ZADARMA_CALLBACK = "/v1/request/callback/"
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")


class Http:
    """One lazily opened client session for the connector's outgoing requests (closed with the app)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def basic_auth(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def zadarma_signature(secret: str, method: str, params: dict[str, str]) -> str:
    query = urlencode(sorted(params.items()))
    message = method + query + hashlib.md5(query.encode()).hexdigest()
    hex_digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(hex_digest.encode()).decode()


def twiml_dial(line: str, caller_id: str) -> str:
    """TwiML that connects the answered call to the agent's line: a number, a SIP address, or a Twilio client."""
    if line.startswith("sip:"):
        noun = f"<Sip>{escape(line)}</Sip>"
    elif line.lstrip("+").isdigit():
        noun = f"<Number>{escape(line)}</Number>"
    else:
        noun = f"<Client>{escape(line.removeprefix('client:'))}</Client>"
    return f"<Response><Dial callerId={quoteattr(caller_id)}>{noun}</Dial></Response>"


class _Dialer:
    provider = ""
    names_calls = True

    def __init__(self, config: TelephonyConfig, http: Http, public_url: str) -> None:
        self.config = config
        self.http = http
        self.public_url = public_url.rstrip("/")

    def agent_line(self, request: DialRequest) -> str:
        line = self.config.agent_line(request.user_email)
        if not line:
            raise DialError("no_agent_line", request.language)
        return line

    async def _call(self, request: DialRequest, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        """The provider's JSON answer; DialError when it refuses (4xx) or does not answer (5xx, timeout)."""
        name = self.provider.capitalize()
        try:
            async with self.http.session().request(method, url, **kwargs) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("%s: the call request failed: %s", self.provider, exc)
            raise DialError("provider_unreachable", request.language, provider=name) from exc
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        if status >= 500:
            log.warning("%s: the call request answered %s", self.provider, status)
            raise DialError("provider_unreachable", request.language, provider=name)
        if status >= 400 or data.get("status") == "error":
            reason = str(data.get("message") or f"HTTP {status}")[:200]
            raise DialError("provider_refused", request.language, provider=name, reason=reason)
        return data


class TwilioDialer(_Dialer):
    provider = "twilio"

    async def dial(self, request: DialRequest) -> PlacedCall:
        twilio = self.config.twilio
        assert twilio is not None
        line = self.agent_line(request)
        callback = f"{self.public_url}/webhooks/telephony/twilio"
        form = [
            ("To", request.number),
            ("From", twilio.caller_id),
            ("Twiml", twiml_dial(line, twilio.caller_id)),
            ("StatusCallback", callback),
            ("StatusCallbackMethod", "POST"),
            *(("StatusCallbackEvent", event) for event in STATUS_EVENTS),
        ]
        if twilio.record:
            form += [("Record", "true"), ("RecordingStatusCallback", callback)]
            form += [("RecordingStatusCallbackMethod", "POST")]
        url = f"{self.config.api_url('twilio')}/2010-04-01/Accounts/{twilio.account_sid}/Calls.json"
        headers = {"Authorization": basic_auth(twilio.account_sid, twilio.auth_token)}
        data = await self._call(request, "POST", url, data=form, headers=headers)
        sid = str(data.get("sid") or "")
        if not sid.startswith("CA") or len(sid) > 64:
            raise DialError("provider_refused", request.language, provider="Twilio", reason="no call sid")
        return PlacedCall(provider="twilio", call_id=sid, line=twilio.caller_id)


class ZadarmaDialer(_Dialer):
    """Zadarma, and Novofon (the same API at its own address)."""

    names_calls = False

    def __init__(self, provider: str, config: TelephonyConfig, http: Http, public_url: str) -> None:
        super().__init__(config, http, public_url)
        self.provider = provider

    async def dial(self, request: DialRequest) -> PlacedCall:
        section = getattr(self.config, self.provider)
        line = self.agent_line(request)
        params = {"from": line, "to": request.number.lstrip("+"), "format": "json"}
        signature = zadarma_signature(section.secret, ZADARMA_CALLBACK, params)
        url = f"{self.config.api_url(self.provider)}{ZADARMA_CALLBACK}?{urlencode(sorted(params.items()))}"
        headers = {"Authorization": f"{section.api_key}:{signature}"}
        await self._call(request, "GET", url, headers=headers)
        return PlacedCall(provider=self.provider, call_id="")


def make_dialer(config: TelephonyConfig, http: Http, public_url: str) -> _Dialer | None:
    name = config.dialer()
    if name is None:
        return None
    if name == "twilio":
        return TwilioDialer(config, http, public_url)
    return ZadarmaDialer(name, config, http, public_url)
