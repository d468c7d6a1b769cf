"""The SQLite state: parameters, claims across processes, runs that die, compaction."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsbot.replica import ReplicaSite, expected_records
from newsbot.state import Fingerprinter, Ledger, SqliteStore, StateError

ROOT = Path(__file__).resolve().parents[1]
# A run in its own process: admits the articles given on stdin, then ends as ``mode`` says.
RUN = """
import json, os, signal, sys, time
from pathlib import Path
from newsbot.state import Ledger, SqliteStore

state, mode, feed = sys.argv[1:4]
articles = json.loads(sys.stdin.readline())
ledger = Ledger(SqliteStore(state))
ledger.start()
ledger.add_feed(feed)
go = Path(state + ".go")
if mode == "race":
    print("ready", flush=True)
while mode == "race" and not go.exists():
    time.sleep(0.001)
emitted = [a[0] for a in articles if ledger.admit(ledger.candidate(a[0], a[1], None, None, a[2])).emit]
print(json.dumps(emitted), flush=True)
if mode == "race":
    ledger.finish(output_complete=True)
elif mode == "hold":
    sys.stdin.readline()  # until the test kills it
else:  # killed: after its feed file is in place, or before
    if mode == "kill-after-feed":
        Path(feed).write_text("".join(json.dumps({"id": i, "version": 1}) + "\\n" for i in emitted[:6]))
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture(scope="module")
def records():
    return expected_records(ReplicaSite.from_feed())


def as_input(records, prefix=""):
    return [(prefix + r["id"], r["canonical_url"] + prefix, r["body"]) for r in records]


def start_run(state, mode, articles, feed="/nonexistent/feed.jsonl") -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", RUN, str(state), mode, str(feed)], cwd=ROOT, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    process.stdin.write(json.dumps(articles) + "\n")
    process.stdin.flush()
    return process


def emitted_by(process) -> list[str]:
    return json.loads(process.stdout.readline())


def open_run(path, **options) -> Ledger:
    ledger = Ledger(SqliteStore(path), **options)
    ledger.start()
    return ledger


def admit(ledger, article):
    return ledger.admit(ledger.candidate(article[0], article[1], None, None, article[2]))


def test_a_state_keeps_its_fingerprint_parameters(tmp_path):
    path = tmp_path / "state.db"
    open_run(path).close()
    open_run(path).close()
    with pytest.raises(StateError, match="num_perm"):
        Ledger(SqliteStore(path), Fingerprinter(num_perm=64))


def test_a_file_that_is_no_state_is_a_clear_error(tmp_path):
    path = tmp_path / "state.db"
    path.write_text("not a database, " * 100)
    with pytest.raises(StateError, match="cannot open the state"):
        SqliteStore(path)


@pytest.mark.slow  # runs in other processes
def test_concurrent_runs_emit_each_story_once(tmp_path, records):
    """Two processes race over the same 40 stories, each seen as an original and as a copy."""
    state = tmp_path / "state.db"
    stories = records[:40]
    articles = as_input(stories) + as_input(stories, prefix="copy")
    runs = [start_run(state, "race", order) for order in (articles, articles[::-1])]
    # Both registered and waiting (started on a busy machine, one may take seconds to get there).
    assert [run.stdout.readline().strip() for run in runs] == ["ready", "ready"]
    Path(f"{state}.go").touch()
    emitted = [emitted_by(run) for run in runs]
    assert [run.wait(30) for run in runs] == [0, 0]
    # Each got some first (how many depends on the machine's load: on a busy one, one may run ahead).
    assert emitted[0] and emitted[1], "the runs did not overlap"
    emitted_stories = sorted(article_id.removeprefix("copy") for run in emitted for article_id in run)
    assert emitted_stories == sorted(r["id"] for r in stories)


@pytest.mark.slow  # runs in other processes
def test_a_run_killed_after_its_feed_was_stored_keeps_what_the_feed_holds(tmp_path, records):
    state, feed = tmp_path / "state.db", tmp_path / "run1.jsonl"
    articles = as_input(records[:10])
    run = start_run(state, "kill-after-feed", articles, feed)
    assert len(emitted_by(run)) == 10 and run.wait(30) < 0
    ledger = open_run(state)
    assert ledger.store.exported_count() == 6
    verdicts = [admit(ledger, article) for article in articles]
    assert [v.reason for v in verdicts] == ["already_exported"] * 6 + [None] * 4


@pytest.mark.slow  # runs in other processes
def test_a_run_killed_before_its_feed_was_stored_is_released(tmp_path, records):
    state = tmp_path / "state.db"
    articles = as_input(records[:10])
    run = start_run(state, "kill-before-feed", articles, tmp_path / "never.jsonl")
    assert len(emitted_by(run)) == 10 and run.wait(30) < 0
    ledger = open_run(state)
    assert all(admit(ledger, article).emit for article in articles)


@pytest.mark.slow  # runs in other processes
def test_a_live_run_keeps_its_claims(tmp_path, records):
    state = tmp_path / "state.db"
    articles = as_input(records[:5])
    run = start_run(state, "hold", articles)
    try:
        assert len(emitted_by(run)) == 5
        ledger = open_run(state)
        assert ledger.skip_reason(articles[0][1]) == "claimed_by_other_run"
        assert {admit(ledger, article).reason for article in articles} == {"claimed_by_other_run"}
        ledger.close()
    finally:
        run.kill()
        run.wait(30)
    after = open_run(state)
    assert all(admit(after, article).emit for article in articles)


def test_a_new_version_replaces_the_old_one_in_the_near_duplicate_index(tmp_path, records):
    state = tmp_path / "state.db"
    article = as_input(records[:1])[0]
    first = open_run(state)
    admit(first, article)
    first.finish(output_complete=True)
    first.close()
    refresh = open_run(state, refresh=True)
    edited = (article[0], article[1], article[2] + "\n\nUpdate: officials have since confirmed the report.")
    assert admit(refresh, edited).version == 2
    refresh.finish(output_complete=True)
    candidate = refresh.candidate(*edited[:2], None, None, edited[2])
    near = [(entry.id, entry.version) for entry, _ in refresh.store.near(candidate.content.bands)]
    old = [(entry.id, entry.version) for entry, _ in refresh.store.near(refresh.candidate(
        *article[:2], None, None, article[2]).content.bands)]
    assert near == [(article[0], 2)] and (article[0], 1) not in old


def test_an_article_exported_under_another_canonical_url_is_skipped_by_its_id(tmp_path, records):
    """RT's 2019 pages under /russia/ declare /news/ as canonical: on the next run the listing's
    /russia/ link is known by its id (the site module has ids in its URLs), not fetched again."""
    import asyncio

    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from newsbot.spiders.rt import RtSpider
    from newsbot.state.middleware import AlreadyKnown, SkipExportedMiddleware

    record = records[0]
    first = Ledger(SqliteStore(tmp_path / "state.sqlite"))
    first.start()
    first.admit(first.candidate(record["id"], record["canonical_url"], None, None, record["body"]))
    first.finish(output_complete=True)
    first.close()
    listing_link = record["canonical_url"].replace("/news/", "/russia/")
    later = Ledger(SqliteStore(tmp_path / "state.sqlite"))
    later.start()

    class State:  # the extension's skip, without a running crawl
        async def skip_reason(self, canonical_url, article_id=None):
            return later.skip_reason(canonical_url, article_id)

    crawler = get_crawler(RtSpider)
    crawler.spider = RtSpider.from_crawler(crawler)
    middleware = SkipExportedMiddleware(crawler, State())
    with pytest.raises(AlreadyKnown, match="already_exported"):
        asyncio.run(middleware.process_request(Request(listing_link, meta={"canonical_url": listing_link})))
    assert later.skip_reason(listing_link) is None  # by URL alone it would be fetched again
    assert asyncio.run(middleware.process_request(Request(listing_link))) is None  # not an article request
    later.close()


def test_the_state_does_not_depend_on_its_redis_backend():
    """state/ imports nothing of distributed/ (the Redis backend is named in NEWSBOT_STATE_BACKENDS),
    and distributed/ uses only the state's public names."""
    import ast

    def imports(package: str) -> list[tuple[str, str]]:
        found = []
        for path in (ROOT / "newsbot" / package).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    found += [(node.module, alias.name) for alias in node.names]
                elif isinstance(node, ast.Import):
                    found += [(alias.name, "") for alias in node.names]
        return found

    assert not [module for module, _ in imports("state") if module.startswith("newsbot.distributed")]
    assert not [(module, name) for module, name in imports("distributed")
                if module.startswith("newsbot.state") and name.startswith("_")]
