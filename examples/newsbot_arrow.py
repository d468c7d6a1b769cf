"""newsbot runs as an Arrow table typed from the shipped JSON Schema (newsbot/schema/article.schema.json):
what the pandas and polars examples load from. The types are derived from the schema, never listed
by hand, so a field added to the record reaches the loaders with its type.

Only complete run files are read (``*.jsonl``, ``*.jsonl.gz``; never a crawl's ``*.part``), and
one row per ``id`` is kept, the highest ``version`` (a refresh run re-emits changed articles).
"""

from __future__ import annotations

import gzip
import json
import sys
from datetime import datetime
from pathlib import Path

RUN_FILES = ("*.jsonl", "*.jsonl.gz")
SCHEMA = Path(__file__).resolve().parents[1] / "newsbot" / "schema" / "article.schema.json"


def run_files(paths: list[str | Path]) -> list[str]:
    """The complete run files among ``paths`` (files, or directories to search)."""
    files = []
    for path in map(Path, paths):
        found = [match for pattern in RUN_FILES for match in path.glob(pattern)] if path.is_dir() else [path]
        files += sorted(str(match) for match in found)
    return files


def load_schema() -> dict:
    try:  # the installed package's copy, where the examples run outside the repository
        from importlib.resources import files

        return json.loads(files("newsbot").joinpath("schema/article.schema.json").read_text("utf-8"))
    except ModuleNotFoundError:
        return json.loads(SCHEMA.read_text("utf-8"))


def arrow_type(node: dict, definitions: dict):
    """The Arrow type of one JSON Schema node (nullability is Arrow's default)."""
    import pyarrow as pa

    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return pa.timestamp("us", tz="UTC") if name == "datetime" else arrow_type(definitions[name], definitions)
    for variants in (node.get("oneOf"), node.get("anyOf")):
        if variants:
            kinds = [variant for variant in variants if variant.get("type") != "null"]
            return arrow_type(kinds[0], definitions)
    kind = node.get("type") or ("string" if all(isinstance(value, str) for value in node.get("enum", [1])) else None)
    if isinstance(kind, list):
        kind = next(name for name in kind if name != "null")
    if kind == "string":
        return pa.string()
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "array":
        return pa.list_(arrow_type(node["items"], definitions))
    if kind == "object" and node.get("properties"):
        return pa.struct([(name, arrow_type(child, definitions)) for name, child in node["properties"].items()])
    if kind == "object":  # a map, e.g. provenance: field -> layer
        values = node.get("additionalProperties")
        return pa.map_(pa.string(), arrow_type(values, definitions) if isinstance(values, dict) else pa.string())
    raise ValueError(f"no Arrow type for schema node {node}")


def arrow_schema():
    import pyarrow as pa

    schema = load_schema()
    definitions = schema.get("$defs", {})
    return pa.schema([(name, arrow_type(node, definitions)) for name, node in schema["properties"].items()])


def _records(files: list[str]):
    for name in files:
        with (gzip.open if name.endswith(".gz") else open)(name, "rt", encoding="utf-8") as lines:
            yield from (json.loads(line) for line in lines if line.strip())


def _typed(record: dict, timestamps: set[str]) -> dict:
    return {**record, **{name: datetime.fromisoformat(record[name]) for name in timestamps if record.get(name)}}


def read_runs(paths: list[str | Path]):
    """The latest version of every article in the run files of ``paths``, as a typed Arrow table."""
    import pyarrow as pa

    schema = arrow_schema()
    timestamps = {field.name for field in schema if pa.types.is_timestamp(field.type)}
    latest: dict[str, dict] = {}
    for record in _records(run_files(paths)):
        known = latest.get(record["id"])
        if known is None or record.get("version", 1) >= known.get("version", 1):
            latest[record["id"]] = record
    return pa.Table.from_pylist([_typed(record, timestamps) for record in latest.values()], schema=schema)


def command_line(usage: str, argv: list[str], load, describe) -> int:
    """The examples' ``main``: load the runs named on the command line and describe the frame."""
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    frame = load(argv)
    print(f"{len(frame)} articles\n{describe(frame)}")
    return 0
