"""docs/settings.md, written from the schema: every setting and every provider's keys.

``python scripts/gen_settings_doc.py`` writes it; a test fails when the page in the
repository is not what the schema gives, so a new setting or provider is documented by
regenerating, never by hand.
"""

from __future__ import annotations

from pathlib import Path

from traysupport.config_schema import SECTIONS, SETTINGS, Config
from traysupport.config_source_schema import SourceCommon
from traysupport.sources.registry import BUILT_IN
from traysupport.sources.section import section_rows
from traysupport.sources.settings import Setting, toml_text

__all__ = ["DOC_PATH", "render", "write"]

DOC_PATH = Path("docs") / "settings.md"
"""Where the page lives, from the repository's root."""

_INTRO = """\
# Settings

<!-- Generated from the schema (traysupport/config_schema.py and each provider's
settings) by `python scripts/gen_settings_doc.py`. Do not edit by hand: a test fails
when this page is not current. -->

Every setting of `config.toml`, with its type, bounds, default and meaning. The settings
window shows the same, page by page; `traysupport config show` lists the values in effect
and where each comes from (built-in, team, user, policy, environment), and
`traysupport config set KEY VALUE` changes one. How the user's file, a team's defaults and
the built-in defaults are laid over each other: [configuration.md](configuration.md).
Each provider's own page (how to get a token, what it reads):
[providers.md](providers.md).
"""


def _cell(text: str) -> str:
    """*text* fit for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[Setting], required: tuple[str, ...] = ()) -> list[str]:
    lines = ["| key | type | default | what it does |", "|---|---|---|---|"]
    for row in rows:
        default = toml_text(row.kind.dump(row.default))
        need = " **Required.**" if row.key in required else ""
        cells = (f"`{row.key}`", _cell(row.kind.label), f"`{_cell(default)}`", _cell(row.help))
        lines.append("| " + " | ".join(cells[:3]) + f" | {cells[3]}{need} |")
    return lines


def _section_doc(section: str) -> str:
    """The first line of the docstring of the dataclass behind [section]."""
    doc = type(getattr(Config(), section)).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _settings() -> list[str]:
    lines = ["", "## Top level", ""]
    lines += _table([s for s in SETTINGS.values() if not s.section])
    for section in SECTIONS:
        lines += ["", f"## `[{section}]`", ""]
        if text := _section_doc(section):
            lines += [text, ""]
        rows = [s for s in SETTINGS.values() if s.section == section]
        # A key within its table, as it is written under the [section] header.
        lines += _table(rows)
        lines.append("")
        lines.append(
            f"In the file: under `[{section}]`, e.g. `{rows[0].name} = "
            f"{_cell(toml_text(rows[0].kind.dump(rows[0].default)))}`."
        )
    return lines


def _sources() -> list[str]:
    lines = [
        "",
        "## Sources: `[[source]]`",
        "",
        "Each source is a `[[source]]` table: the keys every source has, then the keys of",
        "its provider. The API token is never in the file: it is kept in the OS keyring",
        "(`traysupport token set NAME`, or the settings window) or in the environment",
        "variable `TRAYSUPPORT_<TOKEN_REF>_TOKEN`.",
        "",
        "### Keys of every source",
        "",
        *_table(list(section_rows(SourceCommon).values())),
    ]
    for spec in BUILT_IN:
        roles = " and ".join(r for r in ("rotation", "queue") if r in spec.roles)
        token = "needs an API token" if spec.needs_token else "a token only if the server asks"
        if spec.name == "demo":
            token = "no token"
        lines += [
            "",
            f"### `{spec.name}`",
            "",
            f"{_cell(spec.description)} Serves the {roles}; {token}."
            f" More: [{spec.docs.removeprefix('docs/')}]({spec.docs.removeprefix('docs/')}).",
            "",
        ]
        rows = list(section_rows(spec.settings).values())
        lines += _table(rows, spec.required) if rows else ["No keys of its own."]
    return lines


def render() -> str:
    """The page's Markdown."""
    return _INTRO + "\n".join([*_settings(), *_sources()]) + "\n"


def write(root: Path) -> Path:
    """Write the page under the repository *root*; its path."""
    path = root / DOC_PATH
    path.write_text(render(), encoding="utf-8", newline="\n")
    return path
