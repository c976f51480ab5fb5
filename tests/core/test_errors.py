"""Error classification and messages.

Every row of LM Studio's error table and llama.cpp's error bodies.
"""

from __future__ import annotations

from typing import Any

import pytest

from lmstudio_core.error_answers import classify, error_message_of
from lmstudio_core.errors import (
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    InvalidRequestError,
    LMStudioError,
    ModelNotFoundError,
    ServerError,
)

NO_MODELS = (
    "No models loaded. Please load a model in the developer page or use the 'lms load' command."
)
INVALID_ID = (
    'Invalid model identifier "o4-mini". Please specify a valid downloaded model '
    "(e.g., qwen3-vl-8b, ...)."
)
N_KEEP = (
    "The number of tokens to keep from the initial prompt is greater than the context length "
    "(n_keep: 13055>= n_ctx: 4096). Try to load the model with a larger context length, or "
    "provide a shorter input."
)
TRYING_TO_KEEP = (
    "Trying to keep the first 5000 tokens when context the overflows. However, the model is "
    "loaded with context length of only 4096 tokens, which is not enough."
)
INVALID_TOOL_CHOICE = (
    "Invalid tool_choice type: 'object'. Supported string values: none, auto, required"
)
LLAMA_OVERFLOW = {
    "error": {
        "code": 400,
        "message": "request (5018 tokens) exceeds the available context size (2048 tokens), "
        "try increasing it",
        "type": "exceed_context_size_error",
        "n_prompt_tokens": 5018,
        "n_ctx": 2048,
    }
}
LM_AUTH = {
    "error": {
        "type": "invalid_request",
        "code": "invalid_api_key",
        "message": "An LM Studio API token is required to make requests to this server. Pass "
        "'Authorization: Bearer $LM_API_TOKEN'.",
    }
}


def _obj(message: str, **fields: Any) -> dict[str, Any]:
    return {"error": {"message": message, **fields}}


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"error": NO_MODELS}),
        (400, {"error": NO_MODELS}),
        (
            404,
            _obj(NO_MODELS, type="invalid_request_error", param="model", code="model_not_found"),
        ),
        (400, _obj(NO_MODELS, type="invalid_request_error", param="model", code=None)),
        (
            400,
            _obj(INVALID_ID, type="invalid_request_error", param="model", code="model_not_found"),
        ),
        (400, {"error": INVALID_ID}),
        (404, _obj("The model `x` does not exist", code="model_not_found")),
        (200, {"error": NO_MODELS}),
    ],
)
def test_model_not_found(status: int | None, body: Any) -> None:
    error = classify(status, body, model="o4-mini", available_models=["qwen", "nomic"])
    assert isinstance(error, ModelNotFoundError)
    assert isinstance(error, BadRequestError)
    assert error.status_code == status
    assert error.body == body
    assert error.model == "o4-mini"
    assert error.available_models == ["qwen", "nomic"]
    assert "qwen, nomic" in error.message
    assert "lms load" in error.message


@pytest.mark.parametrize("status", [None, 400, 500])
def test_model_load_failure_is_a_server_error_not_a_missing_model(status: int | None) -> None:
    body = _obj('Failed to load model "x". Error: Engine protocol startup was aborted.')
    error = classify(status, body, model="x")
    assert isinstance(error, ServerError)
    assert not isinstance(error, ModelNotFoundError)
    assert "could not load the model" in error.message
    assert "lms unload" in error.message


def test_model_not_found_without_list_says_how_to_list() -> None:
    error = classify(404, {"error": NO_MODELS})
    assert isinstance(error, ModelNotFoundError)
    assert error.available_models is None
    assert "list_models" in error.message


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": N_KEEP}),
        (400, {"error": TRYING_TO_KEEP}),
        (200, {"error": N_KEEP}),
        (200, _obj(N_KEEP)),
        (400, {"error": "Context size has been exceeded."}),
        (None, _obj("Context size has been exceeded.")),
        (400, _obj("too long", code="context_length_exceeded")),
        (400, LLAMA_OVERFLOW),
    ],
)
def test_context_overflow(status: int | None, body: Any) -> None:
    error = classify(status, body)
    assert isinstance(error, ContextLengthExceededError)
    assert isinstance(error, BadRequestError)
    assert error.status_code == status
    assert "context length" in error.message


def test_llama_cpp_overflow_fills_token_counts() -> None:
    error = classify(400, LLAMA_OVERFLOW)
    assert isinstance(error, ContextLengthExceededError)
    assert error.prompt_tokens == 5018
    assert error.context_length == 2048
    assert "5018 tokens" in error.message


def test_lm_studio_overflow_string_has_no_counts() -> None:
    error = classify(400, {"error": N_KEEP})
    assert isinstance(error, ContextLengthExceededError)
    assert error.prompt_tokens is None


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, LM_AUTH),
        (
            401,
            {"error": {"message": "Invalid API Key", "type": "authentication_error", "code": 401}},
        ),
        (403, {"error": "Forbidden"}),
        (401, ""),
        (200, LM_AUTH),
    ],
)
def test_authentication(status: int, body: Any) -> None:
    error = classify(status, body, base_url="http://h:1/v1")
    assert isinstance(error, AuthenticationError)
    assert "LM_API_TOKEN" in error.message
    assert "http://h:1/v1" in error.message


@pytest.mark.parametrize(
    "body",
    [
        _obj("Invalid input", type="invalid_request_error", param="tools.0", code="custom"),
        _obj("Required", code="missing_required_parameter", param="text.format"),
        {"error": "Invalid 'messages' in payload: tool call id must not be empty"},
        {"error": "'response_format.type' must be 'json_schema' or 'text'"},
        {"error": INVALID_TOOL_CHOICE},
        _obj("'messages' is required", type="invalid_request_error", code=400),
        _obj(
            "Field 'n': Value must be between 1 <= value <= 1, but got 2",
            type="invalid_request_error",
        ),
        _obj("Model 'x' does not support reasoning configuration.", param="reasoning"),
        _obj(
            "[json.exception.parse_error.101] parse error at line 1, column 15: syntax error",
            type="invalid_request_error",
            code=400,
        ),
        _obj(
            "Field 'max_tokens': [json.exception.type_error.302] type must be number, but is "
            "string",
            type="invalid_request_error",
            code=400,
        ),
        _obj(
            "Unable to generate parser for this template. Automatic parser generation failed: "
            "JSON schema error at #: unrecognized type nonsense",
            type="invalid_request_error",
        ),
        _obj('"input" must not be empty', type="invalid_request_error", code=400),
        _obj("Input content cannot be empty", type="invalid_request_error", code=400),
    ],
)
def test_validation_errors_are_bad_request(body: Any) -> None:
    error = classify(400, body)
    assert type(error) is BadRequestError
    assert error.status_code == 400
    assert (error_message_of(body) or "") in error.message


def test_unknown_endpoint_answered_with_200() -> None:
    body = {"error": "Unexpected endpoint or method. (POST /chat/completions)"}
    error = classify(200, body)
    assert type(error) is BadRequestError
    assert error.status_code == 200
    assert "/v1" in error.message
    assert "Unexpected endpoint" in error.message


def test_llama_cpp_unknown_path_404() -> None:
    body = {"error": {"message": "File Not Found", "type": "not_found_error", "code": 404}}
    error = classify(404, body)
    assert type(error) is BadRequestError
    assert error.status_code == 404
    assert "File Not Found" in error.message
    assert "ends in /v1" in error.message


def test_other_200_error_body_is_bad_request() -> None:
    error = classify(200, {"error": {"message": "something odd"}})
    assert type(error) is BadRequestError
    assert "something odd" in error.message


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            500,
            {
                "error": {
                    "code": 500,
                    "message": "input (3002 tokens) is too large to process. "
                    "increase the physical batch size (current batch size: 512)",
                    "type": "server_error",
                }
            },
        ),
        (502, "Bad Gateway"),
        (
            501,
            _obj(
                "This server does not support embeddings. Start it with `--embeddings`",
                type="not_supported_error",
                code=501,
            ),
        ),
        (503, None),
        (500, _obj("Model crashed")),
    ],
)
def test_server_errors(status: int, body: Any) -> None:
    error = classify(status, body)
    assert type(error) is ServerError
    assert error.status_code == status
    assert str(status) in error.message


def test_in_stream_error_is_server_error() -> None:
    error = classify(None, _obj("Model unloaded.", type="internal_error"))
    assert type(error) is ServerError
    assert error.status_code is None
    assert "Model unloaded." in error.message


def test_in_stream_string_error() -> None:
    error = classify(None, {"error": "generation failed"})
    assert type(error) is ServerError
    assert "generation failed" in error.message


def test_non_json_body_is_quoted() -> None:
    error = classify(400, "bad request: no body")
    assert type(error) is BadRequestError
    assert "bad request: no body" in error.message  # an HTML page: tests/docs/test_wrong_way.py


def test_long_details_are_cut() -> None:
    error = classify(400, {"error": "x" * 5000})
    assert len(error.message) < 1000
    assert "..." in error.message


def test_error_message_of_shapes() -> None:
    assert error_message_of({"error": "text"}) == "text"
    assert error_message_of({"error": {"message": "m"}}) == "m"
    assert error_message_of({"error": {"code": 7}}) == '{"code": 7}'
    assert error_message_of({"error": 5}) == "5"
    assert error_message_of({"choices": []}) is None
    assert error_message_of({"error": None}) is None
    assert error_message_of("plain") == "plain"
    assert error_message_of(None) is None


def test_hierarchy_and_str() -> None:
    error = InvalidRequestError("bad option")
    assert isinstance(error, ValueError)
    assert isinstance(error, LMStudioError)
    assert str(error) == "bad option"
    assert error.partial is None
