"""A linear intent model over word and character n-grams (scikit-learn, no Rasa).

Shared by the pipeline's `IntentEnsemble` and the baseline of `make bench-nlu`,
so the two always mean the same model. Character n-grams within words make it
robust to the typos runners write ("recovry", "myofacial"). Optionally, a dense
sentence vector per text (pretrained embeddings, see `static_embeddings`) joins
the n-gram features, times `dense_weight`, so words the data never had still count.

Runners bury the question at the end of a long post, after asides about mileage,
shoes and races; a third block of word n-grams reads only that sentence (the last
one with a question mark, else the last one), so the ask weighs more than the
story. Trained without the forum-style posts and tested on them, it raised macro
F1 from 0.848 to 0.873 (5-fold on all the data, neutral: 0.844 to 0.849, and 0.842 to
0.843 with other folds); see config.yml.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

DEFAULT_C = 10.0
# The vectorizer settings `ngram_intent_model` varies; everything else is scikit-learn's default.
VECTORIZER_SETTINGS = ("analyzer", "ngram_range", "sublinear_tf")
MODEL_FILE, ARRAYS_FILE = "ngram_model.json", "ngram_model.npz"
# A sentence ends at . ! or ? followed by white space, or at a line break.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def question_sentence(text: str) -> str:
    """The sentence a post asks in: the last one with a question mark, else the last one."""
    sentences = [s for s in SENTENCE_END.split(text) if s.strip()]
    asking = [s for s in sentences if "?" in s]
    return (asking or sentences or [""])[-1]


def lower_question_sentence(text: str) -> str:
    """The question sentence in lower case: a vectorizer's preprocessor (it replaces lowercasing)."""
    return question_sentence(text).lower()


def ngram_intent_model(c: float = DEFAULT_C, question: bool = True) -> Pipeline:
    """TF-IDF of word 1-2-grams and character 2-5-grams (and of the question sentence's
    word 1-2-grams), then logistic regression."""
    vectorizers = [
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    ]
    if question:
        vectorizers.append(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, preprocessor=lower_question_sentence))
    return make_pipeline(make_union(*vectorizers), LogisticRegression(max_iter=2000, C=c))


def has_question_block(model: Pipeline) -> bool:
    union = model.steps[0][1]
    return any(v.preprocessor is lower_question_sentence for _, v in union.transformer_list)


def fit_ngram_model(texts: list[str], intents: list[str], dense: np.ndarray | None = None,
                    dense_weight: float = 0.0, c: float = DEFAULT_C, question: bool = True) -> Pipeline:
    """The model fitted on texts, with each text's dense vector (rows of `dense`) as extra features."""
    model = ngram_intent_model(c, question)
    if dense is None or dense_weight == 0.0:
        return model.fit(texts, intents)
    union, classifier = model.steps[0][1], model.steps[-1][1]
    classifier.fit(_with_dense(union.fit_transform(texts), dense, dense_weight), intents)
    return model


def dense_size(model: Pipeline) -> int:
    """How many dense features the classifier expects after the n-gram ones (0: none)."""
    union, classifier = model.steps[0][1], model.steps[-1][1]
    ngrams = sum(len(vectorizer.vocabulary_) for _, vectorizer in union.transformer_list)
    return int(classifier.n_features_in_) - ngrams


def _with_dense(ngrams: sp.spmatrix, dense: np.ndarray, dense_weight: float) -> sp.csr_matrix:
    if dense.shape[0] != ngrams.shape[0]:
        raise ValueError(f"{dense.shape[0]} dense vectors for {ngrams.shape[0]} texts")
    return sp.hstack([ngrams, sp.csr_matrix(dense * dense_weight)]).tocsr()


class NgramScorer:
    """The fitted model's `predict_proba` for one text, without scikit-learn's per-call overhead.

    scikit-learn re-validates its inputs, rebuilds the IDF vector and assembles sparse
    matrices on every call: about 2 ms for one short message, 8% of the Rasa server's
    CPU under load. This computes the same TF-IDF features (sublinear term frequency,
    L2-normalised per vectorizer) and the multinomial softmax directly with NumPy.
    """

    def __init__(self, model: Pipeline, dense_weight: float = 0.0) -> None:
        union, classifier = model.steps[0][1], model.steps[-1][1]
        self.classes = [str(name) for name in classifier.classes_]
        self._vectorizers = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            self._vectorizers.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)
        self._coef = np.ascontiguousarray(classifier.coef_.T)  # features x classes
        self._intercept = classifier.intercept_
        self._dense_offset = offset
        self.dense_size = dense_size(model)
        self._dense_weight = dense_weight

    @staticmethod
    def supports(model: Pipeline) -> bool:
        """Multinomial logistic regression over TF-IDF features, as `ngram_intent_model` builds."""
        union, classifier = model.steps[0][1], model.steps[-1][1]
        vectorizers = [v for _, v in union.transformer_list]
        multinomial = classifier.coef_.shape[0] > 1 and classifier.multi_class in ("auto", "multinomial")
        unweighted = union.transformer_weights is None
        return multinomial and unweighted and classifier.solver != "liblinear" and all(
            v.sublinear_tf and v.use_idf and v.norm == "l2" for v in vectorizers
        )

    def probabilities(self, text: str, dense: np.ndarray | None = None) -> dict[str, float]:
        logits = self._intercept.copy()
        if self.dense_size:
            if dense is None or dense.shape != (self.dense_size,):
                raise ValueError(f"the model needs a dense vector of {self.dense_size} values per text")
            logits += (dense * self._dense_weight) @ self._coef[self._dense_offset :]
        for analyze, vocabulary, idf, offset in self._vectorizers:
            counts = Counter(analyze(text))
            known = [gram for gram in counts if gram in vocabulary]
            if not known:
                continue
            columns = np.array([vocabulary[gram] for gram in known])
            weights = np.array([1.0 + math.log(counts[gram]) for gram in known]) * idf[columns]
            weights /= np.linalg.norm(weights)
            logits += weights @ self._coef[columns + offset]
        exp = np.exp(logits - logits.max())
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))


def scorer_for(model: Pipeline, dense_weight: float = 0.0) -> NgramScorer | None:
    """A fast scorer when the model is one `ngram_intent_model` builds, else None."""
    return NgramScorer(model, dense_weight) if NgramScorer.supports(model) else None


def ngram_probabilities(model: Pipeline, texts: list[str], dense: np.ndarray | None = None,
                        dense_weight: float = 0.0) -> list[dict[str, float]]:
    """scikit-learn's probabilities per text, by intent name (`dense` as the model was fitted)."""
    classes = [str(name) for name in model.classes_]
    if dense_size(model):
        if dense is None:
            raise ValueError("the model was fitted with dense vectors: pass them")
        union, classifier = model.steps[0][1], model.steps[-1][1]
        rows = classifier.predict_proba(_with_dense(union.transform(texts), dense, dense_weight))
    else:
        rows = model.predict_proba(texts)
    return [dict(zip(classes, map(float, row), strict=True)) for row in rows]


def save_ngram_model(model: Pipeline, folder: Path) -> None:
    """Writes the fitted model as JSON (settings, vocabularies, classes) and NumPy arrays.

    Plain data, never pickles: loading runs no code from the file. (skops did the same,
    but importing it scans every scikit-learn estimator: 20 s of the server's start.)"""
    union, classifier = model.steps[0][1], model.steps[-1][1]
    vectorizers = [{"settings": {k: v.get_params()[k] for k in VECTORIZER_SETTINGS},
                    "vocabulary": {gram: int(i) for gram, i in v.vocabulary_.items()}}
                   for _, v in union.transformer_list]
    meta = {"C": float(classifier.C), "classes": [str(c) for c in classifier.classes_], "vectorizers": vectorizers,
            "question": has_question_block(model)}
    (folder / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")
    idf = {f"idf{i}": v.idf_ for i, (_, v) in enumerate(union.transformer_list)}
    np.savez(folder / ARRAYS_FILE, coef=classifier.coef_, intercept=classifier.intercept_, **idf)


def load_ngram_model(folder: Path) -> Pipeline:
    """The model `save_ngram_model` wrote; FileNotFoundError when there is none."""
    meta = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    with np.load(folder / ARRAYS_FILE, allow_pickle=False) as arrays:
        # Models saved before the question block have no "question" key.
        model = ngram_intent_model(float(meta["C"]), bool(meta.get("question", False)))
        union, classifier = model.steps[0][1], model.steps[-1][1]
        for i, ((_, vectorizer), saved) in enumerate(zip(union.transformer_list, meta["vectorizers"], strict=True)):
            settings = saved["settings"]
            vectorizer.set_params(**{**settings, "ngram_range": tuple(settings["ngram_range"])})
            vectorizer.vocabulary_ = saved["vocabulary"]
            vectorizer.idf_ = arrays[f"idf{i}"]
        classifier.classes_ = np.array(meta["classes"])
        classifier.coef_, classifier.intercept_ = arrays["coef"], arrays["intercept"]
    classifier.n_features_in_ = classifier.coef_.shape[1]
    return model
