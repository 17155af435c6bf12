"""Test one configured source, off any GUI: "12 open tickets, you are Sam Rivera", or why not.

The settings window's **Test connection** and ``traysupport source test`` ask this. The
source is built as the app builds it (its provider's `build`, the shared HTTP client with
the token masked from every message) but with a short budget: fewer retries, shorter
waits, and a deadline after which the source is closed (which aborts its requests) and
the answer is that it did not answer in time. It may be a source not saved yet, with a
token not kept yet: pass that token.

No text in a `CheckResult` holds the token: errors are `SourceError`s, redacted where
they are made, and the summary names only counts and people.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from traysupport import runtime
from traysupport.config import Config, get_secret
from traysupport.config_source_schema import SourceConfig
from traysupport.core.model import Person
from traysupport.core.rotation import on_duty
from traysupport.service.model import Clock, utc_now
from traysupport.sources.base import SourceError
from traysupport.sources.http import HttpClient
from traysupport.sources.limits import HttpLimits
from traysupport.sources.provider import BuiltSource, HttpFactory, SourceContext
from traysupport.sources.redact import redact, register_secret

__all__ = ["CHECK_BUDGET_SECONDS", "CheckResult", "check_named", "check_source"]

log = logging.getLogger(__name__)

CHECK_BUDGET_SECONDS = 15.0
"""How long a check may take by default: a person is waiting for its answer."""
_CLOSE_GRACE_SECONDS = 3.0
"""After the budget, how long closing the source (aborting its requests) may take."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What testing a source found: a summary when it answered, else the error and its fix."""

    ok: bool
    summary: str
    error: str = ""
    fix: str = ""

    @property
    def text(self) -> str:
        """One line for a person: the summary, or the error and what to do."""
        if self.ok:
            return self.summary
        return f"{self.error}. {self.fix}".strip() if self.fix else self.error


def _failed(error: str, fix: str) -> CheckResult:
    return CheckResult(False, "", redact(error), redact(fix))


def _limits(budget: float) -> HttpLimits:
    """Limits that fit a check into *budget* seconds: one retry, short waits."""
    return HttpLimits(
        connect_timeout=min(5.0, budget),
        read_timeout=min(10.0, budget),
        max_answer_seconds=min(20.0, budget),
        max_call_seconds=budget,
        max_retries=1,
        max_retry_after=min(10.0, budget),
    )


def _http(name: str, token: str | None, limits: HttpLimits) -> HttpFactory:
    def make(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        kwargs.setdefault("limits", limits)
        return HttpClient(name, base_url, auth=auth, **kwargs)

    if token:  # masked from every message, however a provider or server sends it back
        register_secret(token)
    return make


def _build(
    source: SourceConfig,
    *,
    config: Config,
    token: str | None,
    budget: float,
    demo_url: str,
    clock: Clock,
) -> BuiltSource:
    spec = source.spec
    if spec.name == "demo":
        token = None
    elif token is None:
        token = get_secret(source.token_ref)
    context = SourceContext(
        source.name, token, _http(source.name, token, _limits(budget)), clock, demo_url
    )
    poll = source.common.poll
    return BuiltSource(
        name=source.name,
        provider=spec.name,
        roles=source.roles,
        source=spec.build(source.options, context),
        me=source.common.me or config.me,
        poll_seconds=None if poll is None else poll.total_seconds(),
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _me(built: BuiltSource, people: list[Person]) -> str:
    """Who I am there, in words: "you are Sam Rivera", or that nobody matches `me`."""
    if built.me:
        match = next((p for p in people if p.matches(built.me)), None)
        if match is not None:
            return f"you are {match.name}"
        if people:
            return f"nobody there matches me = {built.me!r}"
    if built.fetch_me is not None:
        found = built.fetch_me()
        if found is not None:
            return f"you are {found.name}"
    return ""


def _probe(built: BuiltSource, now: datetime) -> str:
    """What the source serves, fetched once, in a few words."""
    parts: list[str] = []
    people: list[Person] = []
    if (queue := built.queue) is not None:
        parts.append(_plural(len(queue.fetch_tickets()), "open ticket"))
    if (rotation := built.rotation) is not None:
        people = rotation.fetch_people()
        shifts = rotation.fetch_shifts(now, now + timedelta(days=1))
        on = sorted({s.person.name for s in on_duty(shifts, now)})
        parts.append(_plural(len(people), "person").replace("persons", "people"))
        parts.append(f"on duty now: {', '.join(on)}" if on else "nobody on duty now")
    me = _me(built, people)
    if me:
        parts.append(me)
    return ", ".join(parts) or "it answered"


def _run(built: BuiltSource, clock: Clock, budget: float) -> CheckResult:
    """`_probe` on a worker thread, given up after *budget* seconds."""
    answer: list[CheckResult] = []

    def work() -> None:
        try:
            answer.append(CheckResult(True, redact(_probe(built, clock()))))
        except SourceError as error:
            answer.append(_failed(f"{error.source}: {error.problem}", error.hint))
        except Exception as error:  # a provider's defect must not end the settings window
            log.exception("testing %s failed unexpectedly", built.name)
            answer.append(
                _failed(
                    f"{built.name}: the test failed unexpectedly ({type(error).__name__})",
                    "Run `traysupport doctor` and report this with its log.",
                )
            )

    worker = threading.Thread(target=work, name=f"source-check-{built.name}", daemon=True)
    worker.start()
    worker.join(budget)
    if worker.is_alive():
        built.close()  # aborts its requests in flight
        worker.join(_CLOSE_GRACE_SECONDS)
        return _failed(
            f"{built.name}: no answer within {budget:g} s",
            "Check the URL and that the server is reachable from here, then test again.",
        )
    return answer[0]


def check_source(
    source: SourceConfig,
    config: Config | None = None,
    *,
    token: str | None = None,
    budget: float = CHECK_BUDGET_SECONDS,
    clock: Clock = utc_now,
) -> CheckResult:
    """Build *source* and fetch what its roles serve, within *budget* seconds.

    *config* gives the top-level ``me`` (default: none). *token* is used instead of the
    one kept under the source's token_ref (a token typed but not saved yet). Blocks:
    call it off the GUI thread.
    """
    config = config or Config()
    demo_config = dataclasses.replace(config, sources=(source,))
    try:
        with runtime.demo_for(demo_config, clock=clock) as demo:
            built = _build(
                source,
                config=config,
                token=token,
                budget=budget,
                demo_url=demo.url if demo else "",
                clock=clock,
            )
            try:
                return _run(built, clock, budget)
            finally:
                built.close()
    except SourceError as error:
        return _failed(f"{error.source}: {error.problem}", error.hint)


def check_named(
    config: Config, name: str, *, budget: float = CHECK_BUDGET_SECONDS, clock: Clock = utc_now
) -> CheckResult:
    """`check_source` of the configured source called *name*."""
    source = config.source(name)
    if source is None:
        names = ", ".join(s.name for s in config.effective_sources)
        return _failed(f"no source is called {name!r}", f"The configured sources are: {names}.")
    return check_source(source, config, budget=budget, clock=clock)
