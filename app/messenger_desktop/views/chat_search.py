"""Search in the open chat: the bar's words are looked up in the local cache (also messages
not loaded yet), matches are marked in the bubbles, and next/previous bring each one into
view, loading the chat back to it when needed (ChatSession.reveal)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from .search_bar import ChatSearchBar
from .search_marks import match_pattern

if TYPE_CHECKING:
    from .chat_view import ChatView


class ChatSearch(QObject):
    def __init__(self, view: ChatView, bar: ChatSearchBar) -> None:
        super().__init__(view)
        self.view = view
        self.bar = bar
        self.query = ""
        self.ids: list[str] = []  # matches, newest first
        self.index = -1
        self._more = False
        self._task: asyncio.Future | None = None
        bar.query_changed.connect(self._on_query)
        bar.older_requested.connect(lambda: self.step(1))
        bar.newer_requested.connect(lambda: self.step(-1))
        bar.close_requested.connect(self.close)

    @property
    def active(self) -> bool:
        return self.bar.isVisible()

    def open(self, query: str = "", at_id: str = "") -> None:
        """Show the bar (Ctrl+F); with `query`, search it now, starting at `at_id`."""
        self.bar.show()
        self.bar.field.setFocus()
        if query:
            self.bar.field.blockSignals(True)
            self.bar.field.setText(query)
            self.bar.field.blockSignals(False)
            self._on_query(query, at_id)
        else:
            self.bar.field.selectAll()

    def close(self) -> None:
        was = self.bar.isVisible()
        self.bar.hide()
        self.query, self.ids, self.index = "", [], -1
        bubbles = self.view.list.bubbles
        if bubbles.highlight is not None or bubbles.current_hit:
            bubbles.highlight, bubbles.current_hit = None, ""
            self.view.list.viewport().update()
        if was:
            self.view.input.setFocus()

    def _on_query(self, query: str, at_id: str = "") -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self._search(query, at_id))

    async def _search(self, query: str, at_id: str = "") -> None:
        session = self.view.session
        self.query = query
        bubbles = self.view.list.bubbles
        bubbles.highlight = match_pattern(query)
        bubbles.current_hit = ""
        self.view.list.viewport().update()
        ids = await session.search(query) if session is not None else []
        if query != self.query or session is not self.view.session:
            return  # typed on, or another chat opened meanwhile
        from ..chat_session import SEARCH_LIMIT

        self._more = len(ids) >= SEARCH_LIMIT
        self.ids = ids
        self.index = ids.index(at_id) if at_id in ids else (0 if ids else -1)
        self._update_count()
        if ids:
            await self._go()

    def step(self, delta: int) -> None:
        if not self.ids:
            return
        index = min(max(self.index + delta, 0), len(self.ids) - 1)
        if index != self.index:
            self.index = index
            asyncio.ensure_future(self._go())

    async def _go(self) -> None:
        if not 0 <= self.index < len(self.ids):
            return
        target = self.ids[self.index]
        bubbles = self.view.list.bubbles
        bubbles.current_hit = target
        self._update_count()
        self.view.list.viewport().update()
        found = await self.view.show_message(target)
        if not found and target in self.ids:  # deleted since it was cached: on to the next
            self.ids.remove(target)
            self.index = min(self.index, len(self.ids) - 1)
            self._update_count()
            if self.ids and self.view.session is not None:
                await self._go()

    def _update_count(self) -> None:
        self.bar.set_count(self.index + 1, len(self.ids), self.query, self._more)
