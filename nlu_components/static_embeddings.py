"""Pretrained static token embeddings (WordLlama's), read from two plain files; no Rasa.

Bag-of-n-gram features know only the words of our training data. Token embeddings
pretrained on large text place unseen words ("frazzled", "jittery", "percussion")
near ones we have, so a mean of them generalises to how real runners write.

WordLlama (MIT licence) ships 256-dimensional embeddings of Llama 2's 32,000-token
vocabulary in its PyPI wheel. Its package requires numpy>=2 and pydantic>=2, which
Rasa 3.6 cannot have, so `make embeddings` downloads the wheel (pinned by hash) and
`unpack` copies out its weight file, tokenizer file and licence; this module reads
them with `safetensors` and `tokenizers`, and never imports wordllama.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = "embeddings.safetensors"
TOKENIZER = "tokenizer.json"
LICENCE = "LICENSE"
# The files inside the wordllama wheel, by the names we give them.
WHEEL_MEMBERS = {
    "wordllama/weights/l2_supercat_256.safetensors": WEIGHTS,
    "wordllama/tokenizers/l2_supercat_tokenizer_config.json": TOKENIZER,
}
WORD_CACHE = 50_000


class EmbeddingsMissingError(FileNotFoundError):
    """The embedding files have not been fetched."""


class StaticEmbeddings:
    """Token vectors looked up per word and averaged: cheap enough for every message."""

    def __init__(self, vectors: np.ndarray, tokenizer: object) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dim = int(self.vectors.shape[1])
        self._tokenizer = tokenizer
        self.word_vector = lru_cache(maxsize=WORD_CACHE)(self._word_vector)

    @classmethod
    def load(cls, folder: Path | str) -> StaticEmbeddings:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        missing = [name for name in (WEIGHTS, TOKENIZER) if not (folder / name).is_file()]
        if missing:
            raise EmbeddingsMissingError(
                f"No {' or '.join(missing)} in {folder}: run `make embeddings` to fetch the pretrained embeddings."
            )
        tensors = load_file(str(folder / WEIGHTS))
        if len(tensors) != 1:
            raise ValueError(f"{folder / WEIGHTS}: expected one embedding matrix, found {sorted(tensors)}")
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        vectors = next(iter(tensors.values()))
        if vectors.ndim != 2 or vectors.shape[0] < tokenizer.get_vocab_size():
            raise ValueError(f"{folder / WEIGHTS}: shape {vectors.shape} does not fit the tokenizer's vocabulary")
        return cls(vectors, tokenizer)

    def _word_vector(self, word: str) -> np.ndarray:
        ids = self._tokenizer.encode(word, add_special_tokens=False).ids  # type: ignore[attr-defined]
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        return self.vectors[ids].mean(axis=0)

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """One vector per word (the mean of its sub-word tokens), shape (len(words), dim)."""
        if not words:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.word_vector(word) for word in words])

    def sentence_vector(self, words: list[str]) -> np.ndarray:
        """The words' mean vector, scaled to unit length (zeros for no words)."""
        if not words:
            return np.zeros(self.dim, dtype=np.float32)
        return unit(self.word_vectors(words).mean(axis=0))


POOLINGS = ("mean", "mean_max")


def pooled_vector(vectors: np.ndarray, pooling: str = "mean") -> np.ndarray:
    """One vector for a text from its words' vectors (rows), at unit length.

    "mean": the unit mean (what `sentence_vector` gives). "mean_max": the unit mean
    and the unit element-wise maximum side by side, each scaled by 1/sqrt(2). The
    maximum keeps a strong word's trace that a long post's many ordinary words
    would average away ("shins", "insomnia" among talk of shoes and mileage).
    """
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}: one of {', '.join(POOLINGS)}")
    dim = vectors.shape[1]
    if pooling == "mean":
        return unit(vectors.mean(axis=0)) if len(vectors) else np.zeros(dim, dtype=vectors.dtype)
    if not len(vectors):
        return np.zeros(2 * dim, dtype=vectors.dtype)
    return np.concatenate([unit(vectors.mean(axis=0)), unit(vectors.max(axis=0))]) / np.sqrt(2.0)


def unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def unpack(wheel: Path, folder: Path) -> None:
    """Copy the weight and tokenizer files (and the licence) out of a wordllama wheel."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        members = dict(WHEEL_MEMBERS)
        members.update({name: LICENCE for name in names if name.endswith(".dist-info/licenses/LICENSE")})
        for member, target in members.items():
            if member not in names:
                raise ValueError(f"{wheel} has no {member}: is it the pinned wordllama wheel?")
            with archive.open(member) as source, open(folder / target, "wb") as out:
                shutil.copyfileobj(source, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Unpack WordLlama's embedding files from its wheel.")
    parser.add_argument("wheel", type=Path)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    unpack(args.wheel, args.folder)
    StaticEmbeddings.load(args.folder)  # fail now, not at training time
    print(f"embeddings ready in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
