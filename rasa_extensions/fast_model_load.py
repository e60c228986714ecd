"""Load DIET and TED for serving without tracing a training step.

Rasa 3.6's `RasaModel.load` creates a model's weights by fitting it on one example,
which traces the whole training graph (loss, gradients, optimizer) only to throw the
result away: on 2 cores that is about half of the server's start-up, and it is the
time a runner waits when the server restarts. Serving needs the prediction graph
alone, so `install()` swaps in a load that:

1. runs one prediction eagerly (no tracing) to create every variable prediction uses;
2. restores the trained weights into them (the optimizer's state in the checkpoint
   is left unread, as it is never used when serving);
3. prepares and traces prediction once, from the trained weights, as Rasa does.

Fine-tuning (`rasa train --finetune`) and any load without a prediction example
keep Rasa's own load. tests/e2e/test_fast_model_load.py checks that both loads
give the same predictions.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

_MARKER = "_runner_fast_load"


def load_for_prediction(cls: Any, model_file_name: str, predict_data_example: Any, *args: Any,
                        **kwargs: Any) -> Any:
    """A `cls` model (a RasaModel subclass) with the weights in `model_file_name`, ready to predict."""
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

    config = kwargs.get("config", {})
    model = cls(*args, **kwargs)
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                  run_eagerly=config.get(RUN_EAGERLY))
    run_eagerly = model._run_eagerly
    model._run_eagerly = True
    try:
        model.run_inference(predict_data_example)
    finally:
        model._run_eagerly = run_eagerly
    model.load_weights(model_file_name).expect_partial()
    # The label embeddings were computed from the untrained weights: again, from the trained ones.
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    model.run_inference(predict_data_example)
    return model


def install() -> None:
    """Replaces `RasaModel.load` for serving (idempotent)."""
    from rasa.utils.tensorflow.models import RasaModel

    if getattr(RasaModel.load, _MARKER, False):
        return
    rasa_load = RasaModel.load.__func__  # type: ignore[attr-defined]

    def load(cls: Any, model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        if finetune_mode or predict_data_example is None:
            return rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                             *args, **kwargs)
        logger.debug(f"Loading {cls.__name__} from {model_file_name} for prediction only")
        return load_for_prediction(cls, model_file_name, predict_data_example, *args, **kwargs)

    setattr(load, _MARKER, True)
    RasaModel.load = classmethod(load)  # type: ignore[assignment]
