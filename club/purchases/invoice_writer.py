"""New invoices into the table the fastest way each database has, and payment dates
changed in one statement: an import saves a few thousand rows per statement, never
one ORM object per row."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import bindparam, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from club.purchases.models import Invoice

# A new invoice's values while the import works on it, in the order they are inserted.
INSERTED_COLUMNS = (
    "number",
    "company_id",
    "kind",
    "issue_date",
    "period",
    "due_date",
    "net_amount",
    "currency",
    "paid_date",
    "product_group",
)
PERIOD = INSERTED_COLUMNS.index("period")
PAID_DATE = INSERTED_COLUMNS.index("paid_date")


class Converted(dict):
    """Values as the database driver takes them, each converted once: an export repeats
    a few dozen dates and two kinds a million times."""

    def __init__(self, convert: Callable) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value):
        converted = self[value] = self.convert(value)
        return converted


class InvoiceWriter:
    """Inserts new invoices the fastest way each database has: COPY on PostgreSQL, one
    executemany of ready tuples on SQLite; the values converted by the columns' own
    SQLAlchemy types, so they are stored exactly as the ORM would store them."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        table = Invoice.__table__

        def converter(column: str) -> Callable:
            process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
            return process or (lambda value: value)

        self.postgresql = dialect.name == "postgresql"
        to_date, stamp = converter("issue_date"), converter("created_at")(now)
        if self.postgresql:
            # COPY reads text: dates and times as ISO text go in twice as fast.
            self.dates = Converted(lambda day: None if day is None else to_date(day).isoformat())
            self.stamp = stamp.isoformat()
        else:
            self.dates = Converted(to_date)  # the four date columns alike
            self.stamp = stamp
        self.kinds = Converted(converter("kind"))
        self.amount = table.c.net_amount.type.dialect_impl(dialect).bind_processor(dialect)
        self._copying: _Copy | None = None
        columns = ", ".join((*INSERTED_COLUMNS, "created_at", "updated_at"))
        if self.postgresql:
            self.statement = f"COPY {table.name} ({columns}) FROM STDIN"
        else:
            marks = ", ".join("?" * (len(INSERTED_COLUMNS) + 2))
            # Names from the model, nothing from the file: not an injection.
            self.statement = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"  # noqa: S608

    def insert(self, invoices: list[list]) -> None:
        """`invoices`: the values of INSERTED_COLUMNS, in that order."""
        dates, kinds, stamp = self.dates, self.kinds, self.stamp
        amount = self.amount or (lambda value: value)
        rows = [
            (
                number,
                company_id,
                kinds[kind],
                dates[issued],
                dates[period],
                dates[due],
                amount(net_amount),
                currency,
                dates[paid],
                group,
                stamp,
                stamp,
            )
            for (
                number,
                company_id,
                kind,
                issued,
                period,
                due,
                net_amount,
                currency,
                paid,
                group,
            ) in invoices
        ]
        if not self.postgresql:
            self.connection.exec_driver_sql(self.statement, rows)
            return
        self.wait()
        # In the background: PostgreSQL stores this batch (indexes, foreign keys) while
        # the import reads and checks the next one, instead of one after the other. The
        # thread alone uses the connection until wait(), which the import calls before
        # its next statement.
        self._copying = _Copy(self.connection.connection.driver_connection, self.statement)
        self._copying.start(rows)

    def wait(self) -> None:
        """Until the batch being copied is stored; its error, if it failed, raised here."""
        copying, self._copying = self._copying, None
        if copying is not None:
            copying.join()


class _Copy:
    """One COPY in a thread of its own; join() raises what it raised, as SQLAlchemy
    would (IntegrityError, ...)."""

    def __init__(self, driver, statement: str) -> None:
        self.driver, self.statement = driver, statement
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def start(self, rows: list[tuple]) -> None:
        self.thread = threading.Thread(target=self._run, args=(rows,), daemon=True)
        self.thread.start()

    def _run(self, rows: list[tuple]) -> None:
        try:
            with self.driver.cursor() as cursor, cursor.copy(self.statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except BaseException as error:  # handed to join(), in the import's thread
            self.error = error

    def join(self) -> None:
        self.thread.join()
        if self.error is None:
            return
        import psycopg

        if isinstance(self.error, psycopg.Error):
            raise DBAPIError.instance(
                self.statement, None, self.error, psycopg.Error
            ) from self.error
        raise self.error


def update_paid_dates(session: Session, paid: dict[int, date], *, now: datetime) -> None:
    """New payment dates by invoice id, in one executemany. Invoices this session has
    loaded read them from the database."""
    table = Invoice.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("invoice_id"))
        .values(paid_date=bindparam("new_paid_date"), updated_at=now),
        [
            {"invoice_id": invoice_id, "new_paid_date": paid_date}
            for invoice_id, paid_date in paid.items()
        ],
    )
    for invoice_id in paid:
        loaded = session.identity_map.get(session.identity_key(Invoice, invoice_id))
        if loaded is not None:
            session.expire(loaded, ["paid_date", "updated_at"])
