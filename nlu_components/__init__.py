"""Custom Rasa NLU components (the only NLU code that imports Rasa)."""
