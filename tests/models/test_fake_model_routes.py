"""FakeLMStudio's model-management wire: download jobs over time, load configs, a 0.3 server."""

from __future__ import annotations

import httpx

from lmstudio_core.testing import FakeLMStudio, FakeModel
from tests.models.conftest import GB, QWEN, catalog


def test_download_job_over_time() -> None:
    with FakeLMStudio(models=catalog()) as fake, httpx.Client(base_url=fake.root_url) as http:
        fake.add_downloadable(FakeModel(QWEN, context_length=8192), size=3 * GB, steps=3)
        started = http.post("/api/v1/models/download", json={"model": QWEN}).json()
        assert started["status"] == "downloading"
        assert started["total_size_bytes"] == 3 * GB
        assert started["started_at"].endswith("Z")
        job = started["job_id"]
        answers = [http.get(f"/api/v1/models/download/status/{job}").json() for _ in range(3)]
        assert [a["status"] for a in answers] == ["downloading", "downloading", "completed"]
        assert [a["downloaded_bytes"] for a in answers] == [GB, 2 * GB, 3 * GB]
        assert answers[0]["bytes_per_second"] == GB
        assert "estimated_completion" in answers[0]
        assert "completed_at" in answers[2]
        assert "bytes_per_second" not in answers[2]
        listed = {m["key"]: m for m in http.get("/api/v1/models").json()["models"]}
        assert listed[QWEN]["loaded_instances"] == []  # downloaded, not loaded
        again = http.post("/api/v1/models/download", json={"model": QWEN}).json()
        assert again == {"status": "already_downloaded"}


def test_failed_paused_and_unknown_jobs() -> None:
    with FakeLMStudio(models=catalog()) as fake, httpx.Client(base_url=fake.root_url) as http:
        fake.add_downloadable("a", size=100, steps=2, fail=True, paused_polls=1)
        job = http.post("/api/v1/models/download", json={"model": "a"}).json()["job_id"]
        answers = [http.get(f"/api/v1/models/download/status/{job}").json() for _ in range(3)]
        assert [a["status"] for a in answers] == ["paused", "downloading", "failed"]
        assert [a["downloaded_bytes"] for a in answers] == [0, 50, 50]
        unknown = http.post("/api/v1/models/download", json={"model": "nope"})
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "model_not_found"
        missing = http.get("/api/v1/models/download/status/job_x")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "job_not_found"
        retried = http.post("/api/v1/models/download", json={"model": "a"}).json()
        assert retried["status"] == "downloading"
        assert retried["job_id"] != job


def test_load_echoes_its_configuration() -> None:
    with FakeLMStudio(models=catalog()) as fake, httpx.Client(base_url=fake.root_url) as http:
        fake.load_time_seconds = 9.1
        body = {
            "model": "idle-llm",
            "context_length": 16384,
            "flash_attention": False,
            "num_experts": 4,
            "echo_load_config": True,
        }
        answer = http.post("/api/v1/models/load", json=body).json()
        assert answer["load_time_seconds"] == 9.1
        assert answer["load_config"] == {
            "context_length": 16384,
            "eval_batch_size": 512,
            "flash_attention": False,
            "offload_kv_cache_to_gpu": True,
            "num_experts": 4,
        }
        listed = {m["key"]: m for m in http.get("/api/v1/models").json()["models"]}
        config = listed["idle-llm"]["loaded_instances"][0]["config"]
        assert config["flash_attention"] is False
        assert config["context_length"] == 16384
        quiet = http.post("/api/v1/models/load", json={"model": "idle-llm"}).json()
        assert "load_config" not in quiet


def test_lm_studio_0_3_has_no_api_v1() -> None:
    with FakeLMStudio(api_v1=False) as old, httpx.Client(base_url=old.root_url) as http:
        for method, path in [
            ("GET", "/api/v1/models"),
            ("POST", "/api/v1/models/download"),
            ("POST", "/api/v1/models/load"),
        ]:
            answer = http.request(method, path, json={"model": "fake-llm"})
            assert answer.status_code == 200
            assert answer.json() == {"error": f"Unexpected endpoint or method. ({method} {path})"}
        assert http.get("/api/v0/models").json()["data"][0]["id"] == "fake-llm"
