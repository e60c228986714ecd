"""Fixtures for unit tests: the real knowledge base and editable copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from bot.knowledge_base import KNOWLEDGE_DIR, KnowledgeBase, default_knowledge_base


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default_knowledge_base()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


@pytest.fixture
def edit_yaml(kb_copy: Path) -> Callable[[str, Callable[[Any], None]], Path]:
    """Load one copied file, let the test change it, write it back."""

    def edit(name: str, change: Callable[[Any], None]) -> Path:
        path = kb_copy / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return edit
