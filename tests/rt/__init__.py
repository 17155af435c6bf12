"""Integration tests against a real Request Tracker 5 (Debian's packages)."""
