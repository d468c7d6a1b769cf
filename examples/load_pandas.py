"""Load newsbot runs into a pandas DataFrame with real types (Arrow-backed: timezone-aware
timestamps, lists of strings, structs), typed from the shipped JSON Schema.

    python examples/load_pandas.py output/rt/              # every complete run file there
    python examples/load_pandas.py output/rt/rt-2024-12-06T08-00-00Z.jsonl.gz

One row per ``id`` (the highest ``version``); only ``*.jsonl`` / ``*.jsonl.gz`` are read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from newsbot_arrow import command_line, read_runs


def load(paths: list[str | Path]) -> pd.DataFrame:
    return read_runs(paths).to_pandas(types_mapper=pd.ArrowDtype)


def main(argv: list[str]) -> int:
    return command_line(__doc__, argv, load, lambda frame: frame.dtypes.to_string())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
