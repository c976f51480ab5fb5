"""Model management with lmstudio_core: list, download, make ready, load with a TTL, unload.

Download, load and unload use LM Studio 0.4+'s /api/v1/models endpoints; other servers (such
as the bundled llama.cpp server) only list, and serve the model they were started with, which
ensure_model then returns as it is.

Run: python -m examples.model_management [model-key]
"""

from __future__ import annotations

import sys

from examples._connect import Target, connect
from lmstudio_core import BadRequestError, DownloadNotSupportedError, LMStudioClient, ModelInfo


def main(target: Target | None = None, model: str | None = None) -> list[ModelInfo]:
    """List the models, download and ready ``model`` (or the chat model), reload it, unload it."""
    if target is None:
        with connect() as found:
            return main(found, model)
    with LMStudioClient(base_url=target.base_url) as client:
        models = client.list_models()
        for info in models:
            context = info.context_length or "?"
            print(f"{info.id:<40} {info.type:<10} {info.state or '-':<11} ctx={context}")
        key = model or target.chat_model
        try:  # a model already on disk answers at once; a new one shows a progress bar
            download = client.download_model(key)
            print(f"{key}: {download.status.replace('_', ' ')}")
        except DownloadNotSupportedError:
            print("download not available here: needs LM Studio 0.4+ (or use `lms get`).")
        ready = client.ensure_model(key, ttl=600)  # does only what is missing
        print(f"ready: {ready.model} ctx={ready.context_length} loaded now: {ready.was_loaded}")
        try:
            loaded = client.load_model(key, ttl=600, flash_attention=True)
        except BadRequestError as exc:
            print(f"load/unload not available here ({exc.status_code}): needs LM Studio 0.4+.")
            return models
        print(f"loaded {loaded.instance_id} in {loaded.load_time_seconds}s")
        client.unload_model(loaded.instance_id)
        print(f"unloaded {loaded.instance_id}")
    return models


if __name__ == "__main__":
    main(model=sys.argv[1] if len(sys.argv) > 1 else None)
