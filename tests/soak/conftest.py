"""Soak fixtures: a database URL per backend. With TALON_TEST_DATABASE_URL set, an unreachable
PostgreSQL fails the soak (PgSchema raises): never a skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def soak_url(backend: str, tmp_path: Path):  # noqa: ANN201
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'talon.db'}"
        return
    from soak.harness import pg_with_app_name

    schema, url = pg_with_app_name(os.environ["TALON_TEST_DATABASE_URL"])
    try:
        yield url
    finally:
        schema.drop()
