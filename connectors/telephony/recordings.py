"""Call recordings downloaded into the attachment store, in the background: the webhook that names a recording url
answers at once, a task fetches the file afterwards.

Only the provider's own origins are fetched (Twilio, once account_sid is set: https://api.twilio.com, its api_url
and recording_hosts; generic: its recording_hosts), never an arbitrary url a request names (no SSRF); redirects are
followed only to those origins (and, for Twilio, its https media hosts). Twilio recordings are fetched as .mp3 with basic auth
(account SID, auth token). Zadarma / Novofon send a recording id (`call_id_with_rec`), not a url: with the API key
set, its temporary link is asked for (`GET /v1/pbx/record/request/?call_id=…`, signed as the callback request) and
downloaded from the API's own origin. Mango Office sends a recording id (`/events/recording`, once Completed): the
file is asked for with `POST {api_url}/queries/recording/post` (form vpbx_api_key, sign, json {"recording_id", "action":
"download"}), which answers the file or a redirect to it (https *.mango-office.ru or mango.recording_hosts). The body is bounded by HUB_MAX_FILE_BYTES and must be audio; 5xx, 429 and network
errors are retried with backoff, anything else fails at once. hub.actions.recordings makes it happen at most once
per call and url and records the outcome; the entry keeps the provider's link when the download fails.
"""

from __future__ import annotations

import asyncio
import json
import logging
import posixpath
from urllib.parse import urlencode, urljoin, urlsplit

import aiohttp

from hub.actions import recordings as recording_actions
from hub.context import Hub

from . import mango
from .config import TelephonyConfig
from .dialers import Http, basic_auth, zadarma_signature

log = logging.getLogger(__name__)

RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0, 60.0)  # the waits before the 2nd, 3rd and 4th attempt
TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10, sock_read=30)
TWILIO_MEDIA = (".twilio.com", ".twiliocdn.com")
ZADARMA_RECORD = "/v1/pbx/record/request/"
ZADARMA_REF = "record:"  # what stands for a Zadarma recording (its id) where a url would be
MANGO_REF = "mango-record:"  # ... and for a Mango Office one
MANGO_RECORDING = "/queries/recording/post"
MANGO_MEDIA = (".mango-office.ru",)
MAX_REDIRECTS = 3
EXTENSIONS = {"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
              "audio/wave": "wav", "audio/ogg": "ogg", "audio/mp4": "m4a"}  # fmt: skip


class Failed(Exception):
    """A download that will not work (its code is what the entry says); `temporary` ones are retried."""

    def __init__(self, code: str, *, temporary: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.temporary = temporary


def origin(url: str) -> str:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class RecordingFetcher:
    def __init__(self, hub: Hub, config: TelephonyConfig, http: Http) -> None:
        self.hub = hub
        self.config = config
        self.http = http
        self.tasks: set[asyncio.Task] = set()

    def origins(self, provider: str) -> set[str]:
        if provider == "twilio" and self.config.twilio is not None and self.config.twilio.account_sid:
            twilio = self.config.twilio
            return {"https://api.twilio.com", origin(self.config.api_url("twilio")), *twilio.recording_hosts}
        if provider == "generic" and self.config.generic is not None:
            return set(self.config.generic.recording_hosts)
        if provider in ("zadarma", "novofon") and self.config.can_dial(provider):
            return {origin(self.config.api_url(provider))}
        if provider == "mango" and self.config.mango is not None:
            return {origin(self.config.api_url("mango")), *self.config.mango.recording_hosts}
        return set()

    def allowed(self, provider: str, url: str, *, redirect: bool = False) -> bool:
        parts = urlsplit(url)
        if parts.username or parts.password or parts.scheme not in ("https", "http"):
            return False
        if origin(url) in self.origins(provider):
            return True
        host = (parts.hostname or "").lower()
        media = {"twilio": TWILIO_MEDIA, "mango": MANGO_MEDIA}.get(provider)
        return redirect and media is not None and parts.scheme == "https" and host.endswith(media)

    def schedule(self, entry_id: str, provider: str, url: str) -> None:
        """Download the recording after the webhook has answered (never raises). A provider the hub downloads
        nothing from (no recording_hosts; Twilio without account_sid for its basic auth) keeps the link only."""
        if not self.origins(provider):
            return
        task = asyncio.get_running_loop().create_task(self.run(entry_id, provider, url))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def run(self, entry_id: str, provider: str, url: str) -> None:
        try:
            if not await recording_actions.claim_recording(self.hub, entry_id, url):
                return  # another delivery of the webhook (or another process) has it
            if not url.startswith((ZADARMA_REF, MANGO_REF)) and not self.allowed(provider, url):
                log.warning(
                    "%s: not downloading a recording from %s (not the provider's host)", provider, origin(url)
                )
                await recording_actions.recording_failed(self.hub, entry_id, url, "host_not_allowed")
                return
            data, content_type = await self.download_with_retries(provider, url)
        except Failed as exc:
            await recording_actions.recording_failed(self.hub, entry_id, url, exc.code)
            return
        except asyncio.CancelledError:
            raise
        except Exception:  # the webhook has answered long ago: log, and say so on the entry
            log.exception("%s: downloading the recording of entry %s failed", provider, entry_id)
            await recording_actions.recording_failed(self.hub, entry_id, url, "error")
            return
        name = f"recording-{entry_id}.{EXTENSIONS.get(content_type, 'audio')}"
        await recording_actions.save_recording(
            self.hub, entry_id, url, data, name=name, content_type=content_type
        )

    async def download_with_retries(self, provider: str, url: str) -> tuple[bytes, str]:
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                if url.startswith(ZADARMA_REF):
                    return await self.download(
                        provider, await self.zadarma_link(provider, url[len(ZADARMA_REF) :])
                    )
                if url.startswith(MANGO_REF):
                    return await self.download(
                        provider,
                        self.config.api_url("mango") + MANGO_RECORDING,
                        form=self.mango_form(url[len(MANGO_REF) :]),
                    )
                return await self.download(provider, url)
            except Failed as exc:
                if not exc.temporary or attempt == len(RETRY_DELAYS):
                    raise
                log.info("%s: recording download failed (%s), retrying", provider, exc.code)
                await asyncio.sleep(RETRY_DELAYS[attempt])
        raise AssertionError("unreachable")

    async def zadarma_link(self, provider: str, record_id: str) -> str:
        """The temporary link Zadarma's API gives for a recording id (it must be on the API's own origin)."""
        section = getattr(self.config, provider)
        params = {"call_id": record_id, "format": "json"}
        url = f"{self.config.api_url(provider)}{ZADARMA_RECORD}?{urlencode(sorted(params.items()))}"
        headers = {
            "Authorization": f"{section.api_key}:{zadarma_signature(section.secret, ZADARMA_RECORD, params)}"
        }
        try:
            async with self.http.session().get(
                url, headers=headers, allow_redirects=False, timeout=TIMEOUT
            ) as r:
                status = r.status
                data = await r.json(content_type=None) if status < 500 else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise Failed("unreachable", temporary=True) from exc
        if status >= 500 or status == 429:
            raise Failed("unreachable", temporary=True)
        if not isinstance(data, dict) or status >= 400 or data.get("status") != "success":
            raise Failed("not_found" if status in (200, 404) else "refused")
        link = data.get("link") or next(iter(data.get("links") or []), "")
        if not isinstance(link, str) or not self.allowed(provider, link):
            raise Failed("host_not_allowed")
        return link

    def mango_form(self, record_id: str) -> dict[str, str]:
        """Mango's signed request for a recording: sign = sha256(api_key + json + api_salt) over the json sent."""
        section = self.config.mango
        assert section is not None
        payload = json.dumps({"recording_id": record_id, "action": "download"})
        return {"vpbx_api_key": section.api_key, "sign": mango.sign(section.api_key, payload, section.api_salt),
                "json": payload}  # fmt: skip

    def _request(self, provider: str, url: str) -> tuple[str, dict[str, str]]:
        twilio = self.config.twilio
        if provider != "twilio" or twilio is None:
            return url, {}
        parts = urlsplit(url)
        if not posixpath.splitext(parts.path)[1]:  # Twilio serves a recording as .wav or .mp3: the smaller
            url = parts._replace(path=parts.path + ".mp3").geturl()
        headers = (
            {"Authorization": basic_auth(twilio.account_sid, twilio.auth_token)} if twilio.account_sid else {}
        )
        return url, headers

    async def download(
        self, provider: str, url: str, *, form: dict[str, str] | None = None
    ) -> tuple[bytes, str]:
        """GET the url (POST the form, when one is given: the redirect it answers is then a GET)."""
        target, headers = self._request(provider, url)
        limit = self.hub.settings.max_file_bytes
        session = self.http.session()
        for _ in range(MAX_REDIRECTS + 1):
            try:
                async with session.request(
                    "GET" if form is None else "POST",
                    target,
                    data=form,
                    headers=headers,
                    allow_redirects=False,
                    timeout=TIMEOUT,
                ) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        following = urljoin(target, response.headers.get("Location", ""))
                        if not self.allowed(provider, following, redirect=True):
                            raise Failed("host_not_allowed")
                        if origin(following) != origin(target):
                            headers = {}  # the provider's credentials stay with the provider
                        target, form = following, None  # the signed form is sent to the API only
                        continue
                    return await self._body(response, limit)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise Failed("unreachable", temporary=True) from exc
        raise Failed("too_many_redirects")

    @staticmethod
    async def _body(response: aiohttp.ClientResponse, limit: int) -> tuple[bytes, str]:
        if response.status >= 500 or response.status == 429:
            raise Failed("unreachable", temporary=True)
        if response.status in (404, 410):
            raise Failed("not_found")
        if response.status >= 300:
            raise Failed("refused")
        content_type = response.content_type.lower()
        if not content_type.startswith("audio/"):
            raise Failed("not_audio")
        if response.content_length is not None and response.content_length > limit:
            raise Failed("too_large")
        data = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            data += chunk
            if len(data) > limit:
                raise Failed("too_large")
        return bytes(data), content_type
