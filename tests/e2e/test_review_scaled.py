"""Scaled mode: the review inbox reads PostgreSQL through the same endpoints file the Rasa instances use.

One Rasa instance behind nginx on PostgreSQL (deploy/scaled.py); conversations over REST; then
`python -m review list` with the deployment's generated endpoints.yml queues them, and its
connection cannot write. Skipped, saying why, where PostgreSQL, Redis or nginx are missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from deploy.scaled import PG_PASSWORD_ENV, REDIS_PASSWORD_ENV, ScaledDeployment, missing_binaries
from review.store import read_only_engine, store_url
from tests.e2e.rest_client import send
from tests.e2e.servers import ROOT, rasa_env

RED_FLAG = "sudden chest pain and I can't catch my breath"
NO_WORDS = "🙃🙃"


def passwords(deployment: ScaledDeployment) -> dict[str, str]:
    """The endpoints file names the passwords' variables, as Rasa reads it; a maintainer sets them too."""
    return {PG_PASSWORD_ENV: deployment.pg_password, REDIS_PASSWORD_ENV: deployment.redis_password}


@pytest.fixture(scope="module")
def deployment() -> Iterator[ScaledDeployment]:
    missing = missing_binaries()
    if missing:
        pytest.skip(f"scaled mode needs {', '.join(missing)} (scripts/install-system-deps.sh as root)")
    with tempfile.TemporaryDirectory(prefix="review-scaled-") as state, \
            ScaledDeployment(1, state_dir=Path(state)) as running:
        for sender, message in (("scaled-1", RED_FLAG), ("scaled-2", NO_WORDS), ("scaled-3", "hello")):
            assert send(running.url, sender, message, timeout=120), message
        yield running


def test_the_inbox_reads_postgresql_from_the_deployments_endpoints(deployment: ScaledDeployment,
                                                                    tmp_path: Path) -> None:
    endpoints = deployment.run_dir / "endpoints.yml"
    result = subprocess.run([sys.executable, "-m", "review", "list", "--endpoints", str(endpoints),
                             "--state", str(tmp_path / "state.json")], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env=rasa_env(ROOT, {"PYTHONWARNINGS": "ignore", **passwords(deployment)}))
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["text"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert records[RED_FLAG]["reason"] == "red_flag" and records[NO_WORDS]["reason"] == "fallback"
    assert "hello" not in records and "scaled-" not in result.stdout


def test_its_postgresql_session_cannot_write(deployment: ScaledDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in passwords(deployment).items():
        monkeypatch.setenv(name, value)
    url = store_url(deployment.run_dir / "endpoints.yml")
    assert url.get_backend_name() == "postgresql"
    engine = read_only_engine(url)
    try:
        with engine.connect() as connection, pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            connection.execute(sa.text("DELETE FROM events"))
    finally:
        engine.dispose()
