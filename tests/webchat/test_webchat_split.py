"""A conversation split off a visitor's chat keeps its visitor: replies go to the visitor's room, history lists it."""

from __future__ import annotations

from connectors.webchat.visitors import visitor_of_thread, visitor_room
from hub.domain import Conversation
from hub.outbound import ChannelRegistry


def test_the_split_thread_key_still_names_the_visitor():
    source = Conversation(client_id="c1", channel="webchat", thread_key="vabc12345")
    key = ChannelRegistry().split_thread_key(source, "f" * 24)
    assert key == "vabc12345#split:" + "f" * 24
    assert visitor_of_thread(key) == "vabc12345"
    assert visitor_room(visitor_of_thread(key)) == visitor_room("vabc12345")
