"""Output files as Scrapy users expect them: a new file per run by default, -O, -o, none when empty."""

from __future__ import annotations

from conftest import read_jsonl, scrapy_crawl


def test_default_output_is_a_new_utf8_jsonl_file_per_run(replica, tmp_path):
    done = scrapy_crawl("rt", [], {"base_url": replica.base_url, "max_pages": 1, "feeds": 0}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    files = list((tmp_path / "output" / "rt").glob("*.jsonl"))  # beside it: its .report.json
    assert len(files) == 1
    items = read_jsonl(files[0])
    assert items and all(item["body"] for item in items)
    assert "’" in files[0].read_text("utf-8")  # real UTF-8, not \\u escapes


def test_dash_o_appends_and_dash_capital_o_overwrites(replica, tmp_path):
    output = tmp_path / "russia.jsonl"
    args = {"base_url": replica.base_url, "max_pages": 1, "feeds": 0}
    for option in ("-O", "-o"):
        assert scrapy_crawl("rt", [option, str(output)], args, cwd=tmp_path).returncode == 0
    assert not (tmp_path / "output").exists()  # -o/-O replace the default per-run file
    first_run = len(read_jsonl(output)) // 2
    assert first_run > 0 and len(read_jsonl(output)) == 2 * first_run
    assert scrapy_crawl("rt", ["-O", str(output)], args).returncode == 0
    assert len(read_jsonl(output)) == first_run
    assert not list(tmp_path.glob("*.part"))


def test_no_file_when_nothing_was_found_and_the_errors_are_counted(replica, tmp_path):
    done = scrapy_crawl("rt", [], {"base_url": replica.base_url, "section": "no-such-section"}, cwd=tmp_path)
    assert done.returncode == 0
    assert not (tmp_path / "output").exists() or not any((tmp_path / "output").rglob("*.jsonl"))
    assert "'newsbot/errors/http_404': 2" in done.stderr  # the section page and its feed
