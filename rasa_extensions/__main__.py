"""`python -m rasa_extensions <rasa arguments>`: see rasa_extensions/launcher.py."""

from rasa_extensions.launcher import main

raise SystemExit(main())
