"""The unit of work: the only place that commits (STYLE.md §6).

A handler or request opens one, changes state through repositories on `uow.session`, adds the
messages that change causes to `uow.outbox`, marks the consumed message in `uow.inbox`, and calls
`commit()`. All of it is one Postgres transaction: either everything happened or nothing did.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lb_common.messaging.inbox import InboxWriter
from lb_common.messaging.outbox import OutboxWriter


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        outbox: Table,
        inbox: Table,
    ) -> None:
        self._session_factory = session_factory
        self._outbox_table = outbox
        self._inbox_table = inbox
        self._session: AsyncSession | None = None
        self._committed = False

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        await self._session.begin()
        self._committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            if not self._committed:
                await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    @property
    def outbox(self) -> OutboxWriter:
        return OutboxWriter(self.session, self._outbox_table)

    @property
    def inbox(self) -> InboxWriter:
        return InboxWriter(self.session, self._inbox_table)

    async def commit(self) -> None:
        await self.session.commit()
        # A later transaction on this session must NOTIFY again (see OutboxWriter.add).
        self.session.info.pop("lb_outbox_notified", None)
        self._committed = True


class UnitOfWorkFactory:
    """Makes a fresh unit of work per message or request; held by the composition root."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, outbox: Table, inbox: Table
    ) -> None:
        self._session_factory = session_factory
        self._outbox = outbox
        self._inbox = inbox

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._session_factory, outbox=self._outbox, inbox=self._inbox)
