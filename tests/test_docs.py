"""The docs keep up with the code: every setting and every provider is documented."""

from __future__ import annotations

import re
from pathlib import Path

from traysupport.config import describe
from traysupport.config_source_schema import SourceCommon
from traysupport.sources.registry import BUILT_IN
from traysupport.sources.section import section_rows

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_setting_is_in_the_configuration_page() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    keys = [row.key for row in describe()] + list(section_rows(SourceCommon))
    missing = [key for key in keys if f"| `{key}` |" not in page]
    assert missing == []


def test_every_provider_has_its_section_and_documents_its_keys() -> None:
    page = (DOCS / "providers.md").read_text(encoding="utf-8")
    sections = dict(
        re.findall(r"^## ([a-z0-9-]+)\n(.*?)(?=^## |\Z)", page, flags=re.MULTILINE | re.DOTALL)
    )
    for spec in BUILT_IN:
        assert spec.docs == f"docs/providers.md#{spec.name}"
        assert spec.name in sections, f"docs/providers.md has no section for {spec.name}"
        for key in section_rows(spec.settings):
            assert f"| `{key}` |" in sections[spec.name], f"{spec.name}: {key} undocumented"
