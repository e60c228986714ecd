"""`python -m runner_rasa <rasa arguments>`: see runner_rasa/launcher.py."""

from runner_rasa.launcher import main

raise SystemExit(main())
