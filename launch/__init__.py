"""Launching the assistant's processes: one supervisor (`launch.supervisor`), the services
it runs (`launch.services`) and the `make run` / `make shell` entry points (`launch.run`).

Used by `make run`, `make shell`, `make run-scaled` (deploy/scaled.py), the end-to-end
tests (tests/e2e/servers.py) and the benchmarks. `bot/` (the domain core) knows nothing
of processes.
"""
