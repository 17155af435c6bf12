"""End-to-end tests: the real thing on a throwaway X desktop (see `tests.e2e.desktop`)."""
