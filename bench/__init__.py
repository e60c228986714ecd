"""Load, benchmark and scaling tools (`make load`, `make bench`; see README "Operations")."""
