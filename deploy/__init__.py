"""Scaled mode: several Rasa processes sharing PostgreSQL and Redis behind nginx (deploy/scaled.py)."""
