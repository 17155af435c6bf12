"""The setting kind every queue tool's priority mapping shares: tool name → P1..P4.

Each tool names its priorities its own way (Zendesk ``urgent``, Jira ``Highest``, a GitHub
label, PagerDuty's urgency); the team maps them onto P1..P4 with a table laid over the
tool's defaults. One kind, so the parse, the messages and the laying-over are the same
for every tool.
"""

from __future__ import annotations

from traysupport.core.model import Priority
from traysupport.sources.settings import InvalidValueError, TextTable

Pairs = tuple[tuple[str, str], ...]


class PriorityTable(TextTable):
    """A table of *noun* (e.g. "Zendesk priority") = P1..P4.

    *known* are the only names the tool has (None: any non-empty name, as for labels and
    site-defined priority schemes); *defaults* are the pairs the table is laid over;
    *fold* matches names case-blind (the tool does), *label* overrides the shown type.
    """

    def __init__(
        self,
        noun: str,
        example: str,
        *,
        known: tuple[str, ...] | None = None,
        defaults: Pairs = (),
        fold: bool = False,
        label: str = "",
    ) -> None:
        self.noun, self.known, self.defaults, self.fold = noun, known, defaults, fold
        self.fix = f"write it like {example}"
        self.label = label or f"table of {noun} = P1..P4"

    def parse(self, raw: object) -> Pairs:
        pairs = super().parse(raw)
        for name, value in pairs:
            if self.known is None and not name.strip():
                raise InvalidValueError("has an empty name", self.fix)
            if self.known is not None and name not in self.known:
                article = "an" if self.noun[:1].lower() in "aeiou" else "a"
                known = ", ".join(self.known)
                raise InvalidValueError(
                    f"names {name!r}, not {article} {self.noun} ({known})", self.fix
                )
            try:
                Priority.parse(value)
            except ValueError:
                raise InvalidValueError(f"maps {name} to {value!r}, not P1..P4", self.fix) from None
        return pairs

    def mapping(self, pairs: Pairs) -> dict[str, Priority]:
        """Name → priority: the defaults with *pairs* (parsed by `parse`) laid over them;
        names stripped and case-folded when the tool matches them case-blind."""
        return {self.key(name): Priority.parse(value) for name, value in (*self.defaults, *pairs)}

    def key(self, name: str) -> str:
        """*name* as `mapping` keys it (what a ticket's priority name is looked up by)."""
        return name.strip().casefold() if self.fold else name
