"""Rasa-side extensions of the runner assistant.

`bot/` never imports Rasa; the code here does. Start Rasa through
`python -m rasa_extensions run ...` (what `make run`, the tests and the scaled
deployment do) so that the extensions below are installed before Rasa starts:

- `input_guard`: the input policy of every channel, applied to the one handler
  Rasa gives all channels (length, control characters, ids namespaced per
  channel, typed slash payloads, socket.io origins); channels share its limits.
- `resilience`: a custom action that fails or times out yields a short apology
  instead of silence (Rasa 3.6 only logs the error).
- `action_schema`: action server answers are checked against a schema compiled
  once (Rasa recompiles it on every call).
- `launcher`: the HTTP API is on only with a token or JWT secret from the
  environment; request bodies are size-limited; the SQLite folder exists.
- `tracker_store`: the SQLite tracker store of `make run`, named in endpoints.yml
  (Rasa loads it by its module path; no patching).
"""
