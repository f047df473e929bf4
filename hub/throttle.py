"""Throttling what anyone can try: failed logins per account and per client address, and who the client is
(the peer address, or the X-Forwarded-For of a proxy listed in HUB_TRUSTED_PROXIES).

State is per hub process, in bounded dictionaries (the least recently used key is forgotten first).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """Which peers may say who the client is: X-Forwarded-For counts only when the peer is one of them."""

    def __init__(self, proxies: Iterable[str] = ()) -> None:
        self.networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip()
        )

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address: the peer's, or, when the peer is a trusted proxy, the right-most address of
        X-Forwarded-For that is not a trusted proxy itself (the left part of the header anyone can write)."""
        client = peer or "unknown"
        if not forwarded_for or not self.networks or not self.trusts(client):
            return client
        for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
            try:
                hop = str(ipaddress.ip_address(hop))
            except ValueError:
                return client  # garbage: the last address we could trust is the answer
            client = hop
            if not self.trusts(hop):
                return hop
        return client


class FailureWindow:
    """At most `limit` events per key within `window` seconds: a sliding log of the key's last `limit` times."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._log: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> float:
        """0 when another event is allowed now, else the seconds until the oldest one leaves the window."""
        times = self._log.get(key)
        if times is None or len(times) < self.limit:
            return 0.0
        wait = times[0] + self.window - self.clock()
        return wait if wait > 0 else 0.0

    def add(self, key: str) -> None:
        times = self._log.pop(key, None)
        if times is None:
            times = deque(maxlen=self.limit)
        times.append(self.clock())
        self._log[key] = times
        while len(self._log) > self.max_keys:
            self._log.popitem(last=False)

    def discard_one(self, key: str) -> None:
        """Forget the latest event of `key` (an attempt that turned out not to be a failure)."""
        times = self._log.get(key)
        if times:
            times.pop()
            if not times:
                del self._log[key]

    def reset(self, key: str) -> None:
        self._log.pop(key, None)

    def __len__(self) -> int:
        return len(self._log)


class LoginThrottle:
    """Failed logins per account (the email, known or not: both are throttled alike) and per client address.

    An attempt is counted as a failure when it starts (`begin`), so concurrent guesses cannot slip past the limit
    while their verifications run; a success resets the account and takes the attempt back from the address."""

    def __init__(
        self,
        per_account: int = 5,
        per_address: int = 20,
        window: float = 15 * 60,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.accounts = FailureWindow(per_account, window, clock=clock)
        self.addresses = FailureWindow(per_address, window, clock=clock)

    def begin(self, account: str, address: str) -> int:
        """0 and the attempt is counted; or the whole seconds to wait (nothing is counted)."""
        wait = max(self.accounts.retry_after(account), self.addresses.retry_after(address))
        if wait > 0:
            return max(1, math.ceil(wait))
        self.accounts.add(account)
        self.addresses.add(address)
        return 0

    def succeeded(self, account: str, address: str) -> None:
        self.accounts.reset(account)
        self.addresses.discard_one(address)

    def cancelled(self, account: str, address: str) -> None:
        """The attempt was not tried (the hub was too busy): it does not count."""
        self.accounts.discard_one(account)
        self.addresses.discard_one(address)
