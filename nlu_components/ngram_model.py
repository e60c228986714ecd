"""A linear intent model over word and character n-grams (scikit-learn, no Rasa).

Shared by the pipeline's `IntentEnsemble` and the baseline of `make bench-nlu`,
so the two always mean the same model. Character n-grams within words make it
robust to the typos runners write ("recovry", "myofacial").
"""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

DEFAULT_C = 10.0


def ngram_intent_model(c: float = DEFAULT_C) -> Pipeline:
    """TF-IDF of word 1-2-grams and character 2-5-grams, then logistic regression."""
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    return make_pipeline(features, LogisticRegression(max_iter=2000, C=c))
