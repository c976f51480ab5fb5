"""A fake LM Studio server for your tests: scripted replies, LM Studio's quirks, no dependencies.

Start it around the code under test and point ``base_url`` at it::

    from lmstudio_core.testing import FakeLMStudio

    def test_answer():
        with FakeLMStudio() as lms:
            lms.reply_text("Paris")
            llm = ChatLMStudio(base_url=lms.base_url, model="fake-llm")
            assert llm.invoke("Capital of France?").content == "Paris"
            assert lms.last_request.json["messages"][-1]["content"] == "Capital of France?"

With pytest, enable the ``fake_lmstudio`` fixture in your root ``conftest.py``::

    pytest_plugins = ["lmstudio_core.testing.pytest_plugin"]

Only the standard library is used (``http.server`` in a background thread on 127.0.0.1).
"""

from lmstudio_core.testing.catalog import EMBEDDING_DIM, FakeModel, fake_embedding
from lmstudio_core.testing.fake import FakeLMStudio, RecordedRequest
from lmstudio_core.testing.fake_models import FakeDownload
from lmstudio_core.testing.replies import (
    CONTEXT_OVERFLOW_ERROR,
    NO_MODELS_LOADED_ERROR,
    ErrorReply,
    FakeToolCall,
    MessageReply,
    Reply,
    StreamErrorReply,
)

__all__ = [
    "CONTEXT_OVERFLOW_ERROR",
    "EMBEDDING_DIM",
    "NO_MODELS_LOADED_ERROR",
    "ErrorReply",
    "FakeDownload",
    "FakeLMStudio",
    "FakeModel",
    "FakeToolCall",
    "MessageReply",
    "RecordedRequest",
    "Reply",
    "StreamErrorReply",
    "fake_embedding",
]
