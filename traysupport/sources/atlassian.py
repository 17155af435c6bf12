"""What Atlassian's APIs share across providers: how a token is sent.

provider-apis.md §3 "Auth": an API token goes with the account's email as Basic auth
(``Authorization: Basic base64("email:api_token")``); an OAuth access token, or a Jira
Data Center personal access token, goes alone as a Bearer token. Both the on-call
provider (`jsm_oncall`) and the queue provider (`jira_sm`) send their token this way.
"""

from __future__ import annotations

import base64


def basic_or_bearer(user: str, token: str | None) -> str | None:
    """The ``Authorization`` value: Basic ``user:token`` with a *user*, else Bearer; None
    without a token."""
    if not token:
        return None
    if user:
        pair = f"{user}:{token}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    return f"Bearer {token}"
