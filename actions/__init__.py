"""rasa_sdk action server: thin adapters between Rasa trackers and `bot/`.

`python -m rasa_sdk --actions actions` imports this package, which registers
every action below. The knowledge base every action answers from (`actions.knowledge.KB`)
is loaded here, at import, so that a broken file stops the action server at start-up
with a message naming the file and key, instead of failing conversation after conversation.
"""

import sys

from bot.knowledge_base import KnowledgeBaseError

try:
    from actions.knowledge import KB  # noqa: F401
except KnowledgeBaseError as error:
    sys.exit(f"Action server not started: knowledge base error: {error}")

from actions import questions, recommendation, safety  # noqa: F401
