"""Add or edit one source: pick its provider, fill in its fields, give its token, test it.

The fields are built from the provider's spec (`ProviderSpec.settings`, with the keys
every source has), so a provider added to the registry appears here by itself. The token
goes to a password field and from there to the OS keyring on Save, never to the file;
where no keyring works the dialog says so, with how to get one and the environment
variable to use instead. Test connection runs the real check of the source as entered
(`traysupport.source_check`) on a worker thread (`settings_check`); the dialog stays live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from traysupport.config_edit import source_rows
from traysupport.config_source_schema import SourceConfig
from traysupport.sources.registry import BUILT_IN, PROVIDERS
from traysupport.ui.settings_check import CheckAnswer, ConnectionChecks
from traysupport.ui.settings_fields import LineField
from traysupport.ui.settings_form import SettingsForm
from traysupport.ui.settings_model import SourceDraft, changed_keys, draft_source

Check = Callable[[SourceConfig, str | None], object]
"""Test a source (with a token typed but not kept yet): a `source_check.CheckResult`."""


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class SourceDialog(QDialog):
    """Edit *draft* (a new one when its provider is ""); `result_draft` after Accept.

    *taken*: the names of the other sources. *keyring*: (works, what to say when not).
    *token_kept*: whether a token is already kept under a name. *providers*: the ones
    offered first (a team's); *check*: how to test the source as entered.
    """

    def __init__(
        self,
        draft: SourceDraft,
        *,
        taken: Sequence[str],
        keyring: tuple[bool, str],
        token_kept: Callable[[str], bool],
        checks: ConnectionChecks,
        check: Check,
        providers: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Source {draft.name}" if draft.loaded_name else "Add a source")
        self.draft, self.result_draft = draft, draft
        self._taken, self._token_kept, self._check = set(taken), token_kept, check
        self._checks = checks
        self._key = f"dialog-{id(self)}"
        self.provider = QComboBox()
        first = [p for p in providers if p in PROVIDERS]
        for name in [*first, *(s.name for s in BUILT_IN if s.name not in first)]:
            self.provider.addItem(f"{name} — {PROVIDERS[name].description}", name)
        self.provider.setCurrentIndex(max(self.provider.findData(draft.provider), 0))
        self.provider.setEnabled(not draft.loaded_name)  # another provider is another source
        self.about = _plain()
        self.about.setOpenExternalLinks(False)
        self.form: SettingsForm | None = None
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.token = LineField("the API token (kept in the OS keyring)", secret=True)
        self.token.setObjectName("token")
        self.token_note = _plain()
        works, why = keyring
        self.token.setEnabled(works)
        self.token_note.setText("" if works else why)
        self.test = QPushButton("&Test connection")
        self.answer = _plain()
        self.answer.setObjectName("answer")
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._lay_out()
        self._connect()
        self._build_form(draft.values)

    def _lay_out(self) -> None:
        top = QFormLayout()
        label = QLabel("&Provider")
        label.setBuddy(self.provider)
        top.addRow(label, self.provider)
        top.addRow("", self.about)
        token_label = QLabel("To&ken")
        token_label.setBuddy(self.token)
        top.addRow(token_label, self.token)
        top.addRow("", self.token_note)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test)
        test_row.addWidget(self.answer, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.area, 1)
        layout.addLayout(test_row)
        layout.addWidget(self.buttons)
        self.resize(640, 620)

    def _connect(self) -> None:
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self.test.clicked.connect(self.test_connection)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._checks.answered.connect(self._answered)
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.activated.connect(self.accept)

    @property
    def provider_name(self) -> str:
        """The provider chosen."""
        return str(self.provider.currentData())

    def _build_form(self, values: dict[str, object]) -> None:
        spec = PROVIDERS[self.provider_name]
        rows = [row for key, row in source_rows(spec.name).items() if key != "provider"]
        used = {"p", "k", "t", "o", "c"}  # Provider, Token, Test, OK, Cancel
        self.form = SettingsForm(
            rows, values, fixed=self.draft.fixed, roles=sorted(spec.roles), mnemonics=used
        )
        self.form.prefix = f"source.{self.draft.name or 'new'}."
        name = self.form.editor("name")
        name.set_raw(self.draft.name)
        name.setEnabled(not self.draft.team)  # the team's name is how the team's table is found
        name.edited.connect(self._renamed)
        self.form.edited.connect(self._stale)
        self.area.setWidget(self.form)
        token = "needs an API token" if spec.needs_token else "may need an API token"
        self.about.setText(f"{spec.description} It {token}. See {spec.docs}.")
        self._token_placeholder()

    def _token_placeholder(self) -> None:
        ref = self._entered().get("token_ref") or self._name()
        kept = bool(ref) and self._token_kept(str(ref))
        text = "a token is kept; type a new one to replace it" if kept else "the API token"
        self.token.line.setPlaceholderText(f"{text} (kept in the OS keyring, never in a file)")

    def _name(self) -> str:
        return str(self.form.editor("name").raw()).strip() if self.form else ""

    def _entered(self) -> dict[str, object]:
        if self.form is None:
            return {}
        values = self.form.raw_values()
        values.pop("name", None)
        return values

    @Slot()
    def _renamed(self) -> None:
        if self.form is not None:
            self.form.prefix = f"source.{self._name() or 'new'}."
        self._token_placeholder()

    @Slot()
    def _stale(self) -> None:
        """An answer is about what was entered then; "Testing…" stays until it comes."""
        if not self._checks.running(self._key):
            self.answer.clear()

    @Slot()
    def _provider_changed(self) -> None:
        name = self._name()
        self.draft.provider = self.provider_name
        self.draft.name = name
        self._build_form({k: v for k, v in self._entered().items() if k != "roles"})
        self.answer.clear()

    def _current(self) -> SourceDraft:
        draft = SourceDraft(
            self._name(),
            self.provider_name,
            dict(self.draft.values),
            fixed=self.draft.fixed,
            team=self.draft.team,
            loaded_name=self.draft.loaded_name,
            token=self.token.line.text().strip() or self.draft.token,
        )
        return draft

    def _source(self) -> SourceConfig | None:
        """The source as entered, read by the loader; its problems shown when it is not."""
        assert self.form is not None
        self._renamed()
        problems = self.form.check()
        draft = self._current()
        if draft.name in self._taken:
            problems.append(
                f'source.{draft.name}.name: another source is named "{draft.name}";'
                " give this one its own name."
            )
        if problems:
            self._say("\n".join(problems), ok=False)
            return None
        source, problems = draft_source(draft, self._entered())
        if source is None:
            rest = self.form.show_problems(problems)
            self._say("\n".join(rest or problems), ok=False)
        return source

    @Slot()
    def test_connection(self) -> None:
        """Test the source as entered, on a worker thread; the answer comes later."""
        source = self._source()
        if source is None:
            return
        token = self._current().token or None
        if self._checks.start(self._key, lambda: self._check(source, token)):
            self.test.setEnabled(False)
            self._say(f"Testing {source.name}…", ok=True)

    @Slot(str, object)
    def _answered(self, key: str, answer: object) -> None:
        if key != self._key or not isinstance(answer, CheckAnswer):
            return
        self.test.setEnabled(True)
        self._say(answer.text, ok=answer.ok)

    def _say(self, text: str, *, ok: bool) -> None:
        self.answer.setStyleSheet("" if ok else "color: #b00020;")
        self.answer.setText(text)

    def accept(self) -> None:
        """Keep what was entered when the loader takes it; else show its problems."""
        if self._source() is None:
            return
        draft = self._current()
        values = self._entered()
        draft.changes = self.draft.changes | changed_keys(self.draft, values)
        draft.values = self.draft.values | values
        self.result_draft = draft
        super().accept()
