"""rasa_sdk action server: thin adapters between Rasa trackers and `bot/`.

`python -m rasa_sdk --actions actions` imports this package, which registers
every action below.
"""

from actions import questions, recommendation, safety  # noqa: F401
