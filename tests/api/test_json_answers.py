"""The REST answers' JSON (hub.api.http.json_response): compact UTF-8 from orjson, json.dumps for what orjson
refuses, so no answer becomes a 500 for being unusual."""

from __future__ import annotations

import json

from hub.api.http import json_response


def test_an_answer_is_compact_utf8_json_with_its_charset():
    response = json_response({"text": "Здравствуйте, 👋", "n": [1, 2.5, None, True]}, status=201)
    assert response.status == 201
    assert response.content_type == "application/json"
    assert response.charset == "utf-8"
    assert response.body == '{"text":"Здравствуйте, 👋","n":[1,2.5,null,true]}'.encode()


def test_what_orjson_refuses_is_still_answered():
    # an int beyond 64 bits (a provider's id, a custom field) and a key that is not a string
    data = {"big": 2**70, "by_number": {1: "one"}}
    response = json_response(data)
    assert json.loads(response.body) == {"big": 2**70, "by_number": {"1": "one"}}
