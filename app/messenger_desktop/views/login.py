"""Sign in / create account: email, password with a reveal toggle, inline errors, busy state."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..profile import NAME_MAX, normalise_name
from .text import plain_label

CARD_WIDTH = 380
CARD_MARGIN = 28
ERROR_LINES = 3  # room kept for an error: most are one to three lines, in both languages


class LoginPage(QWidget):
    # mode ("login" | "register"), email, password, stay signed in
    submitted = Signal(str, str, str, bool)
    retry_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("LoginPage")
        self.mode = "login"
        self._busy = False
        self._last_error_retry = False

        card = QWidget()
        card.setObjectName("LoginCard")
        card.setFixedWidth(CARD_WIDTH)
        self.title = QLabel()
        self.title.setObjectName("LoginTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("Muted")
        self.subtitle.setWordWrap(True)
        self.email = QLineEdit()
        self.email.setObjectName("Email")
        self.email.setInputMethodHints(Qt.InputMethodHint.ImhEmailCharactersOnly)
        # Registration only: the name others see (optional; the email's local part otherwise).
        self.name = QLineEdit()
        self.name.setObjectName("DisplayName")
        self.name.setMaxLength(NAME_MAX)
        self.name_label = QLabel()
        self.password = QLineEdit()
        self.password.setObjectName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.reveal = QPushButton()
        self.reveal.setObjectName("Link")
        self.reveal.setCheckable(True)
        self.reveal.setCursor(Qt.CursorShape.PointingHandCursor)
        self.reveal.toggled.connect(self._on_reveal)
        self.stay = QCheckBox()
        self.stay.setChecked(True)
        self.error = plain_label("FormError")  # may quote the server's words
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.retry = QPushButton()
        self.retry.hide()
        # The error's room is kept while it is hidden: the form does not jump when one shows.
        policy = self.error.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.error.setSizePolicy(policy)
        self.retry.clicked.connect(self._on_retry)
        self.submit = QPushButton()
        self.submit.setObjectName("Primary")
        self.submit.setDefault(True)
        self.submit.setMinimumHeight(36)
        self.submit.clicked.connect(self._submit)
        self.switch_hint = QLabel()
        self.switch_hint.setObjectName("Muted")
        self.switch = QPushButton()
        self.switch.setObjectName("Link")
        self.switch.setCursor(Qt.CursorShape.PointingHandCursor)
        self.switch.clicked.connect(self._toggle_mode)
        self.email.returnPressed.connect(self._submit)
        self.name.returnPressed.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.email.textEdited.connect(self._clear_error)
        self.password.textEdited.connect(self._clear_error)

        pw_row = QHBoxLayout()
        pw_row.setSpacing(6)
        pw_row.addWidget(self.password, 1)
        pw_row.addWidget(self.reveal)
        err_row = QHBoxLayout()
        err_row.addWidget(self.error, 1)
        err_row.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignTop)
        switch_row = QHBoxLayout()
        switch_row.addStretch(1)
        switch_row.addWidget(self.switch_hint)
        switch_row.addWidget(self.switch)
        switch_row.addStretch(1)

        self.email_label = QLabel()
        self.password_label = QLabel()
        form = QVBoxLayout(card)
        form.setContentsMargins(CARD_MARGIN, 28, CARD_MARGIN, 24)
        form.setSpacing(8)
        form.addWidget(self.title)
        form.addWidget(self.subtitle)
        form.addSpacing(10)
        form.addWidget(self.name_label)
        form.addWidget(self.name)
        form.addWidget(self.email_label)
        form.addWidget(self.email)
        form.addSpacing(4)
        form.addWidget(self.password_label)
        form.addLayout(pw_row)
        form.addWidget(self.stay)
        form.addLayout(err_row)
        form.addSpacing(6)
        form.addWidget(self.submit)
        form.addLayout(switch_row)

        from ..notifications import app_icon

        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(44, 44))
        brand_name = QLabel("Messenger")
        brand_name.setObjectName("Brand")
        brand = QHBoxLayout()
        brand.addStretch(1)
        brand.addWidget(logo)
        brand.addWidget(brand_name)
        brand.addStretch(1)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(brand)
        outer.addSpacing(14)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        self.status = plain_label("Muted")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.status)
        outer.addStretch(1)
        self.retranslate()

    # text ----------------------------------------------------------------------------------
    def retranslate(self) -> None:
        login = self.mode == "login"
        self.title.setText(self.tr("Welcome back") if login else self.tr("Create your account"))
        self.subtitle.setText(
            self.tr("Sign in with your email and password.")
            if login
            else self.tr("Choose an email and a password to start chatting.")
        )
        self.email_label.setText(self.tr("Email"))
        self.name_label.setText(self.tr("Your name (optional)"))
        self.name.setPlaceholderText(self.tr("How others see you"))
        self.name_label.setVisible(not login)
        self.name.setVisible(not login)
        self.password_label.setText(self.tr("Password"))
        self.email.setPlaceholderText(self.tr("you@example.com"))
        self.password.setPlaceholderText(
            self.tr("Your password") if login else self.tr("At least 8 characters")
        )
        self.reveal.setText(self.tr("Hide") if self.reveal.isChecked() else self.tr("Show"))
        self.reveal.setToolTip(self.tr("Show or hide the password"))
        self.stay.setText(self.tr("Stay signed in"))
        self.retry.setText(self.tr("Retry"))
        if self._busy:
            self.submit.setText(self.tr("Signing in…") if login else self.tr("Creating account…"))
        else:
            self.submit.setText(self.tr("Sign in") if login else self.tr("Create account"))
        self.switch_hint.setText(
            self.tr("No account yet?") if login else self.tr("Already have an account?")
        )
        self.switch.setText(self.tr("Create one") if login else self.tr("Sign in"))
        self._fit_wrapped(self.subtitle)
        self._fit_wrapped(self.error, ERROR_LINES)

    def _fit_wrapped(self, label: QLabel, lines: int = 0) -> None:
        # A wrapped label in a fixed-width card: reserve its full height (at least `lines`
        # lines), or the layout gives it one line and the rest is cut off.
        width = CARD_WIDTH - 2 * CARD_MARGIN
        if label is self.error:
            width -= self.retry.sizeHint().width() + 6  # the Retry button keeps its room
        label.ensurePolished()  # the style sheet's font, not the default one
        reserve = label.fontMetrics().lineSpacing() * lines + 4 if lines else 0
        label.setMinimumHeight(max(reserve, label.heightForWidth(width)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_wrapped(self.subtitle)
            self._fit_wrapped(self.error, ERROR_LINES)
        super().changeEvent(event)

    def showEvent(self, event) -> None:
        self._fit_wrapped(self.subtitle)
        self._fit_wrapped(self.error, ERROR_LINES)
        super().showEvent(event)

    # behaviour -----------------------------------------------------------------------------
    def _on_reveal(self, shown: bool) -> None:
        self.password.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
        self.retranslate()

    def _toggle_mode(self) -> None:
        if self._busy:
            return
        self.mode = "register" if self.mode == "login" else "login"
        self._clear_error()
        self.retranslate()

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self._toggle_mode()

    def _submit(self) -> None:
        if self._busy:
            return
        email = self.email.text().strip()
        password = self.password.text()
        if not email or "@" not in email:
            self.show_error(self.tr("Enter your email address, like name@example.com."))
            self.email.setFocus()
            return
        if not password:
            self.show_error(self.tr("Enter your password."))
            self.password.setFocus()
            return
        self._clear_error()
        self.submitted.emit(self.mode, email, password, self.stay.isChecked())

    def _on_retry(self) -> None:
        self._clear_error()
        self.retry_requested.emit()

    def _clear_error(self, *_args) -> None:
        self.error.hide()
        self.retry.hide()

    def show_error(self, text: str, can_retry: bool = False) -> None:
        # Nothing the user typed is cleared: they fix what is wrong and submit again.
        self.error.setText(text)
        self.error.show()
        self._fit_wrapped(self.error, ERROR_LINES)
        self.retry.setVisible(can_retry)

    def set_busy(self, busy: bool, status: str = "") -> None:
        self._busy = busy
        for w in (self.name, self.email, self.password, self.stay, self.switch, self.submit):
            w.setEnabled(not busy)
        self.status.setText(status)
        self.retranslate()
        if not busy:
            (self.password if self.email.text() else self.email).setFocus()

    def display_name(self) -> str:
        """The name typed at registration ("" when signing in or left empty)."""
        return normalise_name(self.name.text()) if self.mode == "register" else ""

    def set_email(self, email: str) -> None:
        self.email.setText(email)
