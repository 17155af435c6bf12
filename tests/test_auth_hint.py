"""A refused token says where to give another: `traysupport token set NAME` or the
settings window's Sources page (there was no token field "in Settings")."""

from __future__ import annotations

from traysupport.sources.base import AuthError


def test_an_auth_error_names_the_command_and_the_window_page() -> None:
    error = AuthError("desk", "the server refused the API token (401)")
    assert "`traysupport token set desk`" in error.hint
    assert "Sources page" in error.hint
    assert "in Settings" not in str(error)
    assert str(error).startswith("desk: the server refused the API token (401). ")


def test_a_providers_own_hint_is_kept() -> None:
    assert AuthError("desk", "refused", "Use an API key.").hint == "Use an API key."
