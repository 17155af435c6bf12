"""SQLite state in the user data dir: fired alerts, the action outbox, ticket history, the
last good snapshots and small user state, in one file shared by every traysupport process
of a home (the tray app, `watch`, `ack` from a terminal).

`Store` is all of them on one connection, one part per module:

- `db`: opening the file (WAL, full sync, damage moved aside), transactions, migrations;
- `outbox` (with `holder`): user actions, recorded first, sent under leases;
- `fired`, `history`, `snapshots`, `user_state`: one table each.

A `Store` belongs to one thread (sqlite3's ``check_same_thread`` enforces it): the
service calls it on its home thread and hands worker results back there.
"""

from __future__ import annotations

from traysupport import paths
from traysupport.store.db import BUSY_TIMEOUT_SECONDS, SCHEMA_VERSION, NewerSchemaError, StoreError
from traysupport.store.fired import FiredAlerts
from traysupport.store.history import TicketHistory, TicketRecord
from traysupport.store.outbox import Outbox
from traysupport.store.outbox_entry import (
    LEASE,
    RETRY_BASE,
    RETRY_CAP,
    OutboxEntry,
    OutboxState,
    backoff,
)
from traysupport.store.snapshots import Snapshots
from traysupport.store.user_state import UserState

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "LEASE",
    "RETRY_BASE",
    "RETRY_CAP",
    "SCHEMA_VERSION",
    "NewerSchemaError",
    "OutboxEntry",
    "OutboxState",
    "Store",
    "StoreError",
    "TicketRecord",
    "backoff",
]


class Store(Outbox, FiredAlerts, TicketHistory, Snapshots, UserState):
    """The app's state database. Use from one thread; close it (or use ``with``)."""

    @classmethod
    def open_default(cls) -> Store:
        """The store in the user data dir (or under ``TRAYSUPPORT_HOME``)."""
        return cls(paths.database_file())
