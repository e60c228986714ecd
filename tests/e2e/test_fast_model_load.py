"""rasa_extensions.fast_model_load gives the trained model's own predictions, only sooner.

Both loads run in this process on the trained model: Rasa's (fit on one example,
then the weights) and ours (one eager prediction, then the weights). Intents,
confidences and the next actions of a short conversation must be the same.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from launch.services import MODEL_DIR_NAME
from tests.e2e.servers import project_dir

MESSAGES = ["my calves are tight after long runs", "can I get deep tissue tomorrow?",
            "I can't sleep before races", "hi", "what is myofascial release", "asdfgh",
            "work stress is wrecking my training", "compare swedish and sports massage"]


async def _predictions(model: str) -> dict[str, Any]:
    from rasa.core.agent import load_agent

    agent = await load_agent(model_path=model)
    intents = []
    for text in MESSAGES:
        parsed = await agent.parse_message(text)
        intents.append((parsed["intent"]["name"], round(parsed["intent"]["confidence"], 4)))
    for text in MESSAGES[:3]:
        await agent.handle_text(text, sender_id="fast-load")
    tracker = await agent.tracker_store.retrieve("fast-load")
    actions = [e.action_name for e in tracker.events if e.type_name == "action"]
    return {"intents": intents, "actions": actions}


@pytest.fixture(scope="module")
def model() -> str:
    models = sorted((project_dir() / MODEL_DIR_NAME).glob("*.tar.gz"))
    assert models, "no trained model"
    return str(models[-1])


def test_fast_load_predicts_what_rasas_load_predicts(model: str) -> None:
    from rasa.utils.tensorflow.models import RasaModel

    from rasa_extensions import fast_model_load

    rasa_load = RasaModel.__dict__["load"]
    rasas = asyncio.run(_predictions(model))
    fast_model_load.install()
    try:
        ours = asyncio.run(_predictions(model))
    finally:
        RasaModel.load = rasa_load
    assert ours == rasas
    assert len(rasas["actions"]) >= 6  # a real conversation ran (the action server may be absent)
