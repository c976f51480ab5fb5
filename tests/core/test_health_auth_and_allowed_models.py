"""``health``, the ``Authorization`` header, and ``allowed_models``.

``allowed_models`` is checked before anything is sent.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    ModelNotFoundError,
)
from tests.core.both_clients import USER, MakeApi
from tests.core.samples import (
    API_V1_MODELS,
    CHAT,
    CHAT_COMPLETION,
    KEY,
)


async def test_health_true(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/v1/models").respond_with_json({"object": "list", "data": []})
    assert await make_api().call("health") is True


@pytest.mark.parametrize("key", [None, KEY])
async def test_authorization_header_only_with_a_key(
    httpserver: HTTPServer, make_api: MakeApi, key: str | None
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(CHAT_COMPLETION)
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    api = make_api(api_key=key, default_headers={"X-Trace": "t1"})
    await api.call("chat", USER, model="m")
    await api.call("list_models")
    for request, _ in httpserver.log:
        assert request.headers.get("Authorization") == (f"Bearer {key}" if key else None)
        assert request.headers.get("X-Trace") == "t1"
    assert len(httpserver.log) == 2


async def test_allowed_models_enforced_before_sending(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(CHAT_COMPLETION)
    api = make_api(allowed_models=frozenset({"qwen/qwen3-4b-2507"}))
    with pytest.raises(ModelNotFoundError, match="allowed_models") as info:
        await api.call("chat", USER, model="other")
    assert info.value.available_models == ["qwen/qwen3-4b-2507"]
    with pytest.raises(ModelNotFoundError):
        await api.stream(model="other")
    with pytest.raises(ModelNotFoundError):
        await api.call("embed", ["x"], "other")
    assert httpserver.log == []
    await api.call("chat", USER, model="qwen/qwen3-4b-2507")
    assert len(httpserver.log) == 1


async def test_allowed_models_check_the_resolved_default(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    api = make_api(allowed_models=frozenset({"somewhere-else"}))
    with pytest.raises(ModelNotFoundError, match="allowed_models"):
        await api.call("chat", USER)
    assert [r.path for r, _ in httpserver.log] == ["/api/v1/models"]
