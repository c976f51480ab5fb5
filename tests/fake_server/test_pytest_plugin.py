"""The pytest plugin works the way users enable it: `pytest_plugins` in a root conftest."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from lmstudio_core.testing import FakeLMStudio


def test_fixture_is_started_and_fresh(fake_lmstudio: FakeLMStudio) -> None:
    assert fake_lmstudio.base_url.startswith("http://127.0.0.1:")
    assert fake_lmstudio.base_url.endswith("/v1")
    assert fake_lmstudio.requests == []
    assert fake_lmstudio.pending_replies == 0


def test_plugin_in_a_users_project(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["lmstudio_core.testing.pytest_plugin"]\n'
    )
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import json, urllib.request

            URLS = []

            def test_one(fake_lmstudio):
                fake_lmstudio.reply_text("hello from the fake")
                request = urllib.request.Request(
                    fake_lmstudio.base_url + "/chat/completions",
                    data=json.dumps({"messages": []}).encode(),
                    headers={"Content-Type": "application/json"},
                )
                body = json.load(urllib.request.urlopen(request))
                assert body["choices"][0]["message"]["content"] == "hello from the fake"
                URLS.append(fake_lmstudio.base_url)

            def test_two(fake_lmstudio):
                assert fake_lmstudio.requests == []
                assert fake_lmstudio.base_url not in URLS
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},  # only the plugin under test
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_plugin_module_does_not_need_pytest_to_import_the_fake() -> None:
    code = (
        "import sys; sys.modules['pytest'] = None; "
        "import lmstudio_core.testing as t; print(t.FakeLMStudio.__name__)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "FakeLMStudio"
