"""SPARQL servers the tests start on a free 127.0.0.1 port, one per test session (fixtures re-exported by
tests/conftest.py)."""
