"""docs/settings.md is the page the schema gives (regenerate it with
`python scripts/gen_settings_doc.py`), and lists every setting and provider key."""

from __future__ import annotations

from pathlib import Path

from traysupport.config_schema import SETTINGS
from traysupport.config_source_schema import SourceCommon
from traysupport.settings_doc import DOC_PATH, render
from traysupport.sources.registry import BUILT_IN
from traysupport.sources.section import section_rows

ROOT = Path(__file__).resolve().parent.parent


def test_docs_settings_md_is_current() -> None:
    page = (ROOT / DOC_PATH).read_text(encoding="utf-8")
    assert page == render(), (
        "docs/settings.md is not what the schema gives: run `python scripts/gen_settings_doc.py`"
    )


def test_every_setting_and_provider_key_is_on_the_page() -> None:
    page = render()
    keys = [*SETTINGS, *section_rows(SourceCommon)]
    assert [k for k in keys if f"| `{k}` |" not in page] == []
    for spec in BUILT_IN:
        assert f"### `{spec.name}`" in page
        assert [k for k in section_rows(spec.settings) if f"| `{k}` |" not in page] == []


def test_the_readme_links_the_page() -> None:
    assert "(docs/settings.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
