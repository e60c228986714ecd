"""What has been reviewed: saved after every decision, so quitting loses nothing.

Only hashes are kept: of each decided message (with its conversation) and of its text,
so a message decided once never comes back, even when another runner sends it again.
The salt makes the hashes meaningless outside this installation.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from review.similarity import key_text
from review.turns import digest


@dataclass
class ReviewState:
    path: Path
    salt: str
    messages: dict[str, str] = field(default_factory=dict)  # message key -> decision
    texts: set[str] = field(default_factory=set)  # hashes of decided texts
    decisions: list[dict[str, str]] = field(default_factory=list)  # date, decision, reason (no text)

    @classmethod
    def load(cls, path: Path) -> ReviewState:
        if not path.exists():
            state = cls(path, secrets.token_hex(16))
            state.save()
            return state
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(path, data["salt"], dict(data.get("messages", {})), set(data.get("texts", [])),
                   list(data.get("decisions", [])))

    def text_hash(self, text: str) -> str:
        return digest(self.salt, key_text(text), length=16)

    def is_reviewed(self, key: str, text: str) -> bool:
        return key in self.messages or self.text_hash(text) in self.texts

    def record(self, keys: list[str], texts: list[str], decision: str, reason: str) -> None:
        """Marks the messages and texts decided and saves at once."""
        for key in keys:
            self.messages[key] = decision
        self.texts.update(self.text_hash(text) for text in texts)
        self.decisions.append({"date": date.today().isoformat(), "decision": decision, "reason": reason,
                               "messages": str(len(keys))})
        self.save()

    def save(self) -> None:
        """Atomic: a crash leaves the previous file or the new one, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"salt": self.salt, "messages": self.messages, "texts": sorted(self.texts),
                "decisions": self.decisions}
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".review-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
