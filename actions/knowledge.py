"""The knowledge base every action answers from: loaded once, when the action server imports
the package (as rasa-sdk's ActionQueryKnowledgeBase holds its knowledge base)."""

from __future__ import annotations

from bot.knowledge_base import KnowledgeBase, default_knowledge_base

KB: KnowledgeBase = default_knowledge_base()
