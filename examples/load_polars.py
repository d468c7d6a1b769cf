"""Load newsbot runs into a polars DataFrame with real types (Datetime in UTC, List(String),
Struct), typed from the shipped JSON Schema: files of different sites read together never
disagree on a column's type (a field null in every record of one file is still a String).

    python examples/load_polars.py output/rt/ output/section/

One row per ``id`` (the highest ``version``); only ``*.jsonl`` / ``*.jsonl.gz`` are read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from newsbot_arrow import command_line, read_runs


def load(paths: list[str | Path]) -> pl.DataFrame:
    return pl.from_arrow(read_runs(paths))


def main(argv: list[str]) -> int:
    return command_line(__doc__, argv, load, lambda frame: frame.schema)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
