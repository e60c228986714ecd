"""Rasa-side extensions of the runner assistant.

`bot/` never imports Rasa; the code here does. Start Rasa through
`python -m runner_rasa run ...` (what `make run`, the tests and the scaled
deployment do) so that the extensions below are installed before Rasa starts:

- `resilience`: a custom action that fails or times out yields a short apology
  instead of silence (Rasa 3.6 only logs the error).
- `launcher`: the HTTP API is on only with a token or JWT secret from the
  environment; request bodies are size-limited; the SQLite folder exists.
"""
