"""Load newsbot runs into DuckDB with real types: TIMESTAMPTZ dates, VARCHAR[] lists, STRUCTs.

    python examples/load_duckdb.py news.duckdb output/rt/          # every complete run file there
    python examples/load_duckdb.py news.duckdb output/rt/rt-2024-12-06T08-00-00Z.jsonl.gz

Only complete files are read: ``*.jsonl`` and ``*.jsonl.gz`` (a crawl still running, or killed,
leaves ``*.part`` files, which are never matched). Loading is idempotent: one row per ``id``, the
highest ``version`` wins (a refresh run re-emits changed articles with the next version), so
re-loading a run, loading overlapping runs or loading them out of order is safe.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from newsbot_arrow import run_files

# The JSON Schema (newsbot/schema/article.schema.json) in DuckDB types.
COLUMNS = {
    "id": "VARCHAR",
    "site": "VARCHAR",
    "url": "VARCHAR",
    "canonical_url": "VARCHAR",
    "section": "VARCHAR",
    "section_name": "VARCHAR",
    "headline": "VARCHAR",
    "summary": "VARCHAR",
    "body": "VARCHAR",
    "authors": "VARCHAR[]",
    "published_at": "TIMESTAMPTZ",
    "modified_at": "TIMESTAMPTZ",
    "language": "VARCHAR",
    "image": "STRUCT(url VARCHAR, caption VARCHAR, credit VARCHAR)",
    "tags": "VARCHAR[]",
    "related": "STRUCT(url VARCHAR, headline VARCHAR)[]",
    "source_url": "VARCHAR",
    "duplicate_of": "VARCHAR",
    "version": "INTEGER",
    "fetched_at": "TIMESTAMPTZ",
    "fetched_from": "VARCHAR",
    "archived_at": "TIMESTAMPTZ",
    "provenance": "MAP(VARCHAR, VARCHAR)",
}

def load(connection: duckdb.DuckDBPyConnection, paths: list[str | Path], table: str = "articles") -> int:
    """Upsert the articles of ``paths`` into ``table``; return how many rows were read."""
    columns = ", ".join(f'"{name}" {kind}' for name, kind in COLUMNS.items())
    connection.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({columns}, PRIMARY KEY (id))')
    files = run_files(paths)
    if not files:
        return 0
    relation = connection.read_json(files, format="newline_delimited", columns=COLUMNS)
    rows = len(relation)
    updates = ", ".join(f'"{name}" = excluded."{name}"' for name in COLUMNS if name != "id")
    connection.register("incoming", relation)
    connection.execute(f"""
        INSERT INTO "{table}"
        SELECT * FROM incoming QUALIFY row_number() OVER (PARTITION BY id ORDER BY version DESC) = 1
        ON CONFLICT (id) DO UPDATE SET {updates} WHERE excluded.version >= "{table}".version""")
    connection.unregister("incoming")
    return rows


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with duckdb.connect(argv[0]) as connection:
        rows = load(connection, argv[1:])
        total = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"read {rows} articles; {total} in {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
