import asyncio, sys, random
from core_helpers import inbound, tg, phone
from hub.actions.ingest import ingest
from hub.events import ClientCreated, ConversationCreated, ClientUpdated, EntryAdded

class Jitter:
    def __init__(self, repo, rnd):
        self._repo, self._rnd = repo, rnd
    def __getattr__(self, name):
        attr = getattr(self._repo, name)
        if not callable(attr):
            return attr
        async def call(*a, **k):
            await asyncio.sleep(self._rnd.random() ** 3 * 0.01)
            return await attr(*a, **k)
        return call

def jitter(store, seed):
    rnd = random.Random(seed)
    for name in ("clients", "identities", "conversations", "timeline", "merges"):
        setattr(store, name, Jitter(getattr(store, name), rnd))

async def test_probe(hub):
    jitter(hub.store, 1)
    for round in range(12):
        hub.recorded.clear()
        ids = (tg(700+round), phone(f"+791600007{round:02d}"))
        res = await asyncio.gather(*(ingest(hub, inbound(*ids, pid=f"b{round}-{i}")) for i in range(50)))
        print(hub.store.name, "distinct", len(hub.recorded.of(ClientCreated)), len(hub.recorded.of(ConversationCreated)), len(hub.recorded.of(ClientUpdated)), len({r.entry.client_id for r in res}))
        hub.recorded.clear()
        msg = inbound(tg(800+round), phone(f"+791600008{round:02d}"), pid=f"same{round}")
        res = await asyncio.gather(*(ingest(hub, msg) for i in range(50)))
        print(hub.store.name, "same", len(hub.recorded.of(ClientCreated)), len(hub.recorded.of(ConversationCreated)), len(hub.recorded.of(ClientUpdated)), len(hub.recorded.of(EntryAdded)), len({r.entry.id for r in res}))
