"""The maintainers' review inbox (`make review`, `make review-list`) and usage report (`make report`).

Reads the conversations Rasa keeps in its tracker store (read-only), queues the user
messages that need a human eye, writes the maintainer's decisions as NLU training data
(data/nlu/reviewed.yml) and triage test cases, and draws a usage report.
Nothing here runs inside the Rasa server.
"""
