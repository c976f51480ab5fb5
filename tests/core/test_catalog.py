"""Catalog parsers for every endpoint shape, ``/props``, and picking the default model."""

from __future__ import annotations

import pytest

from lmstudio_core import ModelFacts, ModelInfo, ModelNotFoundError
from lmstudio_core.catalog import (
    context_length_from_props,
    facts_of,
    parse_models,
    parse_models_api_v0,
    parse_models_api_v1,
    parse_models_openai,
    pick_default_model,
)
from tests.core.samples import (
    API_V0_MODELS,
    API_V1_MODELS,
    LLAMA_CPP_MODELS,
    OPENAI_MODELS,
    UNEXPECTED_ENDPOINT,
)


def _m(model_id: str, kind: str = "llm", state: str | None = "loaded") -> ModelInfo:
    return ModelInfo(id=model_id, type=kind, state=state)  # type: ignore[arg-type]


def test_api_v1_models() -> None:
    models = parse_models_api_v1(API_V1_MODELS)
    assert models is not None
    qwen, nomic = models
    assert qwen.id == "qwen/qwen3-4b-2507"
    assert qwen.type == "llm"
    assert qwen.state == "loaded"
    assert qwen.is_loaded
    assert qwen.loaded_context_length == 8192
    assert qwen.max_context_length == 262144
    assert qwen.context_length == 8192
    assert qwen.capabilities == ["tool_use", "reasoning"]
    assert qwen.supports_tools is True
    assert qwen.quantization == "Q4_K_M"
    assert qwen.arch == "qwen3"
    assert qwen.publisher == "qwen"
    assert qwen.format == "gguf"
    assert qwen.instance_ids == ["qwen/qwen3-4b-2507"]
    assert qwen.source == "/api/v1/models"
    assert qwen.raw["display_name"] == "Qwen3 4B 2507"
    assert nomic.type == "embeddings"
    assert nomic.is_embedding
    assert nomic.state == "not-loaded"
    assert not nomic.is_loaded
    assert nomic.context_length == 2048
    assert nomic.loaded_context_length is None
    assert nomic.instance_ids == []
    assert nomic.supports_tools is False


def test_api_v1_vision_llm_is_vlm() -> None:
    body = {"models": [{"key": "g", "type": "llm", "capabilities": {"vision": True}}]}
    models = parse_models_api_v1(body)
    assert models is not None
    assert models[0].type == "vlm"
    assert models[0].capabilities == ["vision"]


def test_api_v1_several_instances() -> None:
    body = {
        "models": [
            {
                "key": "m",
                "type": "llm",
                "loaded_instances": [
                    {"id": "m", "config": {}},
                    {"id": "m:2", "config": {"context_length": 4096}},
                ],
            }
        ]
    }
    models = parse_models_api_v1(body)
    assert models is not None
    assert models[0].instance_ids == ["m", "m:2"]
    assert models[0].loaded_context_length == 4096


def test_api_v0_models() -> None:
    models = parse_models_api_v0(API_V0_MODELS)
    assert models is not None
    gemma, nomic = models
    assert gemma.type == "vlm"
    assert gemma.state == "loaded"
    assert gemma.loaded_context_length == 12918
    assert gemma.max_context_length == 131072
    assert gemma.context_length == 12918
    assert gemma.capabilities == ["tool_use", "vision"]
    assert gemma.format == "gguf"
    assert gemma.arch == "gemma3"
    assert gemma.instance_ids == ["google/gemma-3-4b"]
    assert gemma.source == "/api/v0/models"
    assert nomic.type == "embeddings"
    assert nomic.state == "not-loaded"
    assert nomic.context_length == 2048
    assert nomic.instance_ids == []


def test_lm_studio_v1_models_without_created() -> None:
    models = parse_models_openai(OPENAI_MODELS)
    assert models is not None
    assert [m.id for m in models] == ["qwen/qwen3-4b-2507", "text-embedding-nomic-embed-text-v1.5"]
    assert models[0].type == "unknown"
    assert models[1].type == "embeddings"
    assert models[0].context_length is None
    assert models[0].is_loaded
    assert models[0].supports_tools is None


def test_llama_cpp_v1_models_with_meta() -> None:
    models = parse_models_openai(LLAMA_CPP_MODELS)
    assert models is not None
    (tiny,) = models
    assert tiny.id == "tiny-chat"
    assert tiny.loaded_context_length == 2048
    assert tiny.max_context_length == 4096
    assert tiny.context_length == 2048


def test_shapes_are_not_mistaken_for_each_other() -> None:
    assert parse_models_api_v0(OPENAI_MODELS) is None
    assert parse_models_api_v0(LLAMA_CPP_MODELS) is None
    assert parse_models_api_v1(API_V0_MODELS) is None
    assert parse_models_api_v1(UNEXPECTED_ENDPOINT) is None
    assert parse_models_api_v0(UNEXPECTED_ENDPOINT) is None
    assert parse_models_openai(UNEXPECTED_ENDPOINT) is None
    assert parse_models_openai([1, 2]) is None


def test_parse_models_by_path() -> None:
    v1 = parse_models("/api/v1/models", API_V1_MODELS)
    assert v1 is not None
    assert len(v1) == 2
    with pytest.raises(ValueError, match="catalog endpoint"):
        parse_models("/nope", {})


def test_malformed_entries_are_skipped() -> None:
    body = {"models": [None, {"type": "llm"}, {"key": "ok", "type": "weird"}]}
    models = parse_models_api_v1(body)
    assert models is not None
    assert [(m.id, m.type) for m in models] == [("ok", "unknown")]
    data = parse_models_openai({"data": [{"object": "model"}, "x", {"id": "y", "meta": 3}]})
    assert data is not None
    assert [m.id for m in data] == ["y"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"default_generation_settings": {"n_ctx": 2048}, "total_slots": 2}, 2048),
        ({"n_ctx": 4096}, 4096),
        ({"default_generation_settings": {}}, None),
        ({"n_ctx": True}, None),
        ("nonsense", None),
    ],
)
def test_context_length_from_props(body: object, expected: int | None) -> None:
    assert context_length_from_props(body) == expected


def test_pick_default_single_loaded() -> None:
    models = [_m("a"), _m("b", state="not-loaded"), _m("e", "embeddings")]
    assert pick_default_model(models) == "a"
    assert pick_default_model(models, embeddings=True) == "e"


def test_pick_default_none_loaded() -> None:
    models = [_m("a", state="not-loaded"), _m("e", "embeddings", state="not-loaded")]
    with pytest.raises(ModelNotFoundError, match="No chat model") as info:
        pick_default_model(models)
    assert info.value.available_models == ["a", "e"]
    with pytest.raises(ModelNotFoundError, match="No embedding model"):
        pick_default_model(models, embeddings=True)
    with pytest.raises(ModelNotFoundError, match="none"):
        pick_default_model([])


def test_pick_default_several_loaded() -> None:
    with pytest.raises(ModelNotFoundError, match="Several") as info:
        pick_default_model([_m("a"), _m("b", "vlm")])
    assert info.value.message.startswith("Several chat models (LLMs) are loaded (['a', 'b'])")
    assert info.value.available_models == ["a", "b"]
    with pytest.raises(ModelNotFoundError, match=r"^Several embedding models are loaded"):
        pick_default_model([_m("e1", "embeddings"), _m("e2", "embeddings")], embeddings=True)


def test_pick_default_embeddings_from_plain_listing() -> None:
    models = parse_models_openai(LLAMA_CPP_MODELS)
    assert models is not None
    assert pick_default_model(models) == "tiny-chat"
    assert pick_default_model(models, embeddings=True) == "tiny-chat"
    lm = parse_models_openai(OPENAI_MODELS)
    assert lm is not None
    assert pick_default_model(lm) == "qwen/qwen3-4b-2507"
    assert pick_default_model(lm, embeddings=True) == "text-embedding-nomic-embed-text-v1.5"


def test_facts_from_api_v1() -> None:
    models = parse_models_api_v1(API_V1_MODELS)
    assert models is not None
    qwen, nomic = models
    facts = facts_of(qwen.id, qwen, qwen.context_length)
    assert (facts.model, facts.type, facts.context_length) == ("qwen/qwen3-4b-2507", "llm", 8192)
    assert (facts.tools, facts.vision, facts.reasoning) == (True, False, True)
    assert facts.source == "/api/v1/models"
    embed = facts_of(nomic.id, nomic, None)
    assert (embed.type, embed.tools, embed.vision, embed.reasoning) == (
        "embeddings",
        False,
        False,
        False,
    )


def test_facts_from_api_v0_leave_reasoning_unknown() -> None:
    models = parse_models_api_v0(API_V0_MODELS)
    assert models is not None
    gemma = models[0]
    facts = facts_of(gemma.id, gemma, gemma.context_length)
    assert (facts.type, facts.context_length) == ("vlm", 12918)
    assert (facts.tools, facts.vision, facts.reasoning) == (True, True, None)


def test_facts_from_plain_v1_models_are_unknown() -> None:
    models = parse_models_openai(LLAMA_CPP_MODELS)
    assert models is not None
    facts = facts_of(models[0].id, models[0], models[0].context_length)
    assert (facts.tools, facts.vision, facts.reasoning) == (None, None, None)
    assert facts.context_length == models[0].loaded_context_length
    assert facts_of("missing", None, 512) == ModelFacts(model="missing", context_length=512)
    with pytest.raises(ValueError, match="frozen"):
        facts.model = "other"  # type: ignore[misc]
