"""Model management with lmstudio_core: list models, load one with a TTL, unload it.

Load and unload use LM Studio 0.4+'s /api/v1/models endpoints; other servers (such as the
bundled llama.cpp server) only list.

Run: python -m examples.model_management [model-key]
"""

from __future__ import annotations

import sys

from examples._connect import Target, connect
from lmstudio_core import BadRequestError, LMStudioClient, ModelInfo


def main(target: Target | None = None, model: str | None = None) -> list[ModelInfo]:
    """List the models; load ``model`` (or the chat model) with a 10-minute TTL; unload it."""
    if target is None:
        with connect() as found:
            return main(found, model)
    with LMStudioClient(base_url=target.base_url) as client:
        models = client.list_models()
        for info in models:
            context = info.context_length or "?"
            print(f"{info.id:<40} {info.type:<10} {info.state or '-':<11} ctx={context}")
        key = model or target.chat_model
        try:
            loaded = client.load_model(key, ttl=600)
        except BadRequestError as exc:
            print(f"load/unload not available here ({exc.status_code}): needs LM Studio 0.4+.")
            return models
        print(f"loaded {loaded.instance_id} in {loaded.load_time_seconds}s")
        client.unload_model(loaded.instance_id)
        print(f"unloaded {loaded.instance_id}")
    return models


if __name__ == "__main__":
    main(model=sys.argv[1] if len(sys.argv) > 1 else None)
