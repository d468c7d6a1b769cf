"""Bad input and bad places get one clear line and a non-zero exit: never a traceback, never a
silent success (issue 10: output locations, spider arguments, `newsbot extract`, usage errors)."""

from __future__ import annotations

import subprocess
import sys


def newsbot(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsbot.cli", *arguments], capture_output=True, text=True,
                          timeout=timeout)


def test_run_with_an_unwritable_output_dir_fails_before_crawling(tmp_path):
    blocker = tmp_path / "a-file"  # a directory under a regular file cannot be made, even by root
    blocker.write_text("")
    done = newsbot("run", "rt", "--output-dir", str(blocker / "runs"), "-a", "base_url=http://127.0.0.1:9")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"newsbot run: cannot write to --output-dir {blocker / 'runs'}: "
                                                "Not a directory"]


SITE_MODULE = """
from newsbot.sites.base import Selectors, Site
SITE = Site(name="typo", host="typo.example", selectors=Selectors(headline="h1[", image="img::atr(src)"),
            layers={"sumary": ("selector",), "body": ("selectr", "generic")})
"""


def test_a_site_module_with_typos_fails_when_imported_with_one_error_naming_each(tmp_path):
    (tmp_path / "typo_site.py").write_text(SITE_MODULE)
    done = subprocess.run([sys.executable, "-c", "import typo_site"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1
    [error] = [line for line in done.stderr.splitlines() if line.startswith("ValueError")]
    for problem in ("layers['sumary']: no such field", "no such layer 'selectr'", "selectors.headline 'h1['",
                    "selectors.image 'img::atr(src)'"):
        assert problem in error
