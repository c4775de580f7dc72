"""PostgreSQL: psycopg 3 COPY of pre-encoded text, inside the caller's transaction."""

from __future__ import annotations

from operator import itemgetter

from ..generate.rows import Row
from .base import Loader
from .copyfmt import column_encoders, encode_rows


class PostgresLoader(Loader):
    def write_table(self, table: str, rows: list[Row]) -> None:
        cols = self.target.columns[table]
        proj = self.target.projection(table)
        pick = itemgetter(*proj)
        projected = [pick(r) for r in rows] if len(proj) > 1 else [(r[proj[0]],) for r in rows]
        data = encode_rows(projected, column_encoders(cols, self.target.list_format))
        self.copy(table, cols, data)

    def copy(self, table: str, cols: tuple[str, ...], data: bytes) -> None:
        with (
            self.raw.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp,
        ):
            cp.write(data)

    def reset(self) -> None:
        with self.raw.cursor() as cur:
            cur.execute(f"TRUNCATE {', '.join(self.tables())} CASCADE")
