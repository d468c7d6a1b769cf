"""End to end: `scrapy crawl rt` in subprocesses against local replicas, with and without a state."""

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

from conftest import CRAWL_ENV, ROOT, crawl_command, read_jsonl
from newsbot.extensions.jobdir import RUNNING
from newsbot.replica import ReplicaServer, ReplicaSite, listing_path, load_feed
from newsbot.replica.site import newest_first
from newsbot.replica.wordpress import WordPressSite

pytestmark = pytest.mark.slow
RUSSIA = [article for article in newest_first(load_feed()) if article.section == "russia"]
ARTICLE_PATH = re.compile(r"^/russia/\d+-[\w-]+/$")
COPY_ID_OFFSET = 1_000_000


def rt_crawl(server: ReplicaServer, output: Path, state: Path | None, **settings) -> list[str]:
    """The command of an rt crawl of the replica into ``output``, with ``state`` when given."""
    return crawl_command("rt", ["-O", str(output)], {"base_url": server.base_url},
                         {**({"NEWSBOT_STATE": state} if state else {}), **settings})


def crawl(server: ReplicaServer, output: Path, state: Path | None, **settings) -> tuple[list[dict], str]:
    """Run one crawl; return its records and its log."""
    server.reset_hits()
    result = subprocess.run(rt_crawl(server, output, state, **settings), cwd=ROOT, env=CRAWL_ENV,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return read_jsonl(output), result.stderr


def ids(records) -> list[str]:
    return sorted(record["id"] for record in records)


def rt_ids(articles) -> list[str]:
    return sorted(f"rt:{article.id}" for article in articles)


def article_hits(server: ReplicaServer) -> set[str]:
    return {path for path in server.hits if ARTICLE_PATH.match(path)}


def copied(article, edit: bool):
    """The article republished under another id and URL; ``edit`` adds a closing line to it."""
    new_id = article.id + COPY_ID_OFFSET
    html = article.content_html + ("<p>This story was first published by RT and is republished here.</p>"
                                   if edit else "")
    return dataclasses.replace(article, id=new_id, url=article.url.replace(f"/{article.id}-", f"/{new_id}-"),
                               content_html=html)


def test_repeat_runs_over_a_growing_site_export_each_article_once(tmp_path):
    state = tmp_path / "state.db"
    site = ReplicaSite.from_feed(limit=10)
    outputs = []
    with ReplicaServer(site) as server:
        for run, newcomers in enumerate((RUSSIA[:10], RUSSIA[10:20], RUSSIA[20:], [])):
            for article in newcomers if run else ():
                site.add(article)
            records, log = crawl(server, tmp_path / f"run{run}.jsonl", state)
            outputs.append(records)
            assert ids(records) == rt_ids(newcomers), run
            # Only the new articles' pages are fetched; the section, its "More" pages and feeds always are.
            assert article_hits(server) == {article.path for article in newcomers}, run
            assert "/russia/" in server.hits and "/rss/russia/" in server.hits
            assert f"({sum(map(len, outputs[:-1]))} articles exported by earlier runs)" in log
    exported = [record["id"] for records in outputs for record in records]
    assert sorted(exported) == rt_ids(RUSSIA) and len(exported) == len(set(exported)) == 32
    assert all(record["version"] == 1 and record["duplicate_of"] is None for records in outputs for record in records)
    assert "not fetched: 32 already exported" in log
    assert not (tmp_path / "run3.jsonl").exists()  # nothing new: no empty file either


def test_without_a_state_every_run_is_complete(tmp_path):
    with ReplicaServer(ReplicaSite.from_feed()) as server:
        for run in range(2):
            records, log = crawl(server, tmp_path / f"run{run}.jsonl", None)
            assert ids(records) == rt_ids(RUSSIA)
            assert len(article_hits(server)) == 32
            assert "State: none (NEWSBOT_STATE unset)" in log
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.endswith(".report.json")) == \
        ["run0.jsonl", "run1.jsonl"]


def test_copies_on_another_site_are_dropped_naming_their_originals(tmp_path):
    state = tmp_path / "state.db"
    copies = [copied(article, edit=i % 2 == 1) for i, article in enumerate(RUSSIA)]
    with ReplicaServer(ReplicaSite(RUSSIA)) as originals, ReplicaServer(ReplicaSite(copies)) as republisher:
        first, _ = crawl(originals, tmp_path / "originals.jsonl", state)
        assert ids(first) == rt_ids(RUSSIA)
        kept_state = tmp_path / "kept.db"
        shutil.copyfile(state, kept_state)
        second, log = crawl(republisher, tmp_path / "copies.jsonl", state)
        assert second == []
        assert "'newsbot/dropped/duplicate_content': 16" in log and "'newsbot/dropped/near_duplicate': 16" in log
        for article in RUSSIA:  # each copy's drop is logged with its original's id
            assert re.search(rf"Dropped article (duplicate_content|near_duplicate): "
                             rf"\S+/{article.id + COPY_ID_OFFSET}-\S+ \(of rt:{article.id}\b", log), article.id
        kept, _ = crawl(republisher, tmp_path / "kept.jsonl", kept_state, NEWSBOT_KEEP_DUPLICATES=1)
    assert {record["id"]: record["duplicate_of"] for record in kept} == \
        {f"rt:{article.id + COPY_ID_OFFSET}": f"rt:{article.id}" for article in RUSSIA}


def test_two_runs_at_once_on_one_state_emit_each_article_once(tmp_path):
    state = tmp_path / "state.db"
    with ReplicaServer(ReplicaSite.from_feed()) as server:
        outputs = [tmp_path / f"run{run}.jsonl" for run in range(2)]
        runs = [subprocess.Popen(rt_crawl(server, output, state, DOWNLOAD_DELAY=0.1), cwd=ROOT, env=CRAWL_ENV,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for output in outputs]
        logs = [run.communicate(timeout=300)[1] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], logs[0][-2000:] + logs[1][-2000:]
        fetched_twice = [path for path, count in server.hits.items() if ARTICLE_PATH.match(path) and count > 1]
    records = [read_jsonl(output) for output in outputs]
    exported = [record["id"] for run in records for record in run]
    assert sorted(exported) == rt_ids(RUSSIA) and len(set(exported)) == 32
    assert fetched_twice, "the runs did not overlap"


def test_refresh_re_emits_only_changed_articles_with_a_new_version(tmp_path):
    state = tmp_path / "state.db"
    changed = RUSSIA[5]
    edited = dataclasses.replace(changed, content_html=changed.content_html + "<p>UPDATE: The ministry has since "
                                 "confirmed the figures in a statement on its website.</p>")
    with ReplicaServer(ReplicaSite(RUSSIA)) as server:
        crawl(server, tmp_path / "run0.jsonl", state)
        server.site = ReplicaSite([edited if article is changed else article for article in RUSSIA])
        records, log = crawl(server, tmp_path / "run1.jsonl", state, NEWSBOT_REFRESH=1)
        assert len(article_hits(server)) == 32  # a refresh re-reads every exported article
    assert [(record["id"], record["version"]) for record in records] == [(f"rt:{changed.id}", 2)]
    assert "The ministry has since confirmed" in records[0]["body"]
    assert "'newsbot/dropped/unchanged': 31" in log


def test_a_killed_run_is_settled_by_the_next_one(tmp_path):
    state = tmp_path / "state.db"
    killed, finished = tmp_path / "killed.jsonl", tmp_path / "finished.jsonl"
    partial = killed.with_name(killed.name + ".part")
    with ReplicaServer(ReplicaSite.from_feed()) as server:
        run = subprocess.Popen(rt_crawl(server, killed, state, DOWNLOAD_DELAY=0.1), cwd=ROOT, env=CRAWL_ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not (partial.exists() and partial.read_bytes().count(b"\n") >= 5) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(30)
        records, log = crawl(server, finished, state)
    assert not killed.exists()  # the killed run's output never appeared ...
    assert ids(records) == rt_ids(RUSSIA)  # ... so what it had claimed is exported now, once
    assert re.search(r"'newsbot/state/recovered_released': ([5-9]|[1-3]\d)\b", log)


def section_crawl(server: ReplicaServer, output: Path, state: Path) -> subprocess.CompletedProcess:
    command = crawl_command("section", ["-O", str(output)], {"url": f"{server.base_url}/category/russia-fsu/"},
                            {"NEWSBOT_STATE": state})
    done = subprocess.run(command, cwd=ROOT, env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_the_rt_replica_then_its_wordpress_republisher_emit_each_story_once(tmp_path):
    state = tmp_path / "state.db"
    with ReplicaServer(ReplicaSite.from_feed()) as rt, ReplicaServer(WordPressSite.from_replica()) as wordpress:
        originals, _ = crawl(rt, tmp_path / "rt.jsonl", state)
        copies = section_crawl(wordpress, tmp_path / "wp.jsonl", state)
        again = section_crawl(wordpress, tmp_path / "wp-again.jsonl", state)
    by_url = {record["canonical_url"]: record["id"] for record in originals}
    dropped = dict(re.findall(r"Dropped article duplicate_source: (\S+) \(of (rt:\d+)\)", copies.stderr))
    assert len(dropped) == 16 and set(dropped.values()) <= set(by_url.values())
    assert "'newsbot/dropped/duplicate_source': 16" in copies.stderr
    # Emitted: only the seed's post, whose original the RT replica lacks.
    assert [record["source_url"] in by_url for record in read_jsonl(tmp_path / "wp.jsonl")] == [False]
    # The next run fetches none of them again: 16 known copies, 1 exported.
    assert not (tmp_path / "wp-again.jsonl").exists()
    assert "'newsbot/skipped/known_copy': 16" in again.stderr and "'newsbot/skipped/already_exported': 1" in again.stderr


# -- JOBDIR: Scrapy's pause and resume, and what a killed crawl leaves there --

def jobdir_crawl(server: ReplicaServer, output: Path, state: Path, job: Path, **settings) -> list[str]:
    """An rt crawl with a JOBDIR that discovers articles through the listing pages only."""
    return crawl_command("rt", ["-O", str(output)], {"base_url": server.base_url, "feeds": "0"},
                         {"NEWSBOT_STATE": state, "JOBDIR": job, **settings})


def test_a_jobdir_left_by_a_crawl_that_never_closed_is_not_resumed_from(tmp_path):
    """A killed crawl leaves a duplicate filter that remembers listing pages whose requests (or
    the articles they led to) died with it; resumed from it, a run stopped at the section page."""
    site, job = ReplicaSite.from_feed(), tmp_path / "job"
    job.mkdir()
    with ReplicaServer(site) as server:
        seen = RFPDupeFilter(str(job))  # the filter's file as the killed crawl left it
        for page in range(1, 4):
            seen.request_seen(Request(server.base_url + listing_path("russia", site.page_size, page)))
        seen.close("killed")
        (job / RUNNING).write_text("pid 0\n", "utf-8")  # a crawl used this JOBDIR and never closed
        done = subprocess.run(jobdir_crawl(server, tmp_path / "resumed.jsonl", tmp_path / "state.db", job),
                              cwd=ROOT, env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert ids(read_jsonl(tmp_path / "resumed.jsonl")) == rt_ids(RUSSIA)
    assert "never closed (killed or crashed)" in done.stderr
    assert "'newsbot/jobdir/discarded_after_unclean_end': 1" in done.stderr
    assert not (job / RUNNING).exists()  # this one closed: its JOBDIR can be resumed from


def test_a_crawl_stopped_cleanly_resumes_from_its_jobdir(tmp_path):
    """Ctrl-C once (SIGINT) stops a crawl cleanly: the next run resumes its queue, and between
    them every article is exported once."""
    job, state = tmp_path / "job", tmp_path / "state.db"
    stopped, resumed = tmp_path / "stopped.jsonl", tmp_path / "resumed.jsonl"
    partial = stopped.with_name(stopped.name + ".part")
    with ReplicaServer(ReplicaSite.from_feed()) as server:
        run = subprocess.Popen(jobdir_crawl(server, stopped, state, job, DOWNLOAD_DELAY=0.1), cwd=ROOT,
                               env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not (partial.exists() and partial.read_bytes().count(b"\n") >= 5) and time.monotonic() < deadline:
            time.sleep(0.05)
        run.send_signal(signal.SIGINT)
        stop_log = run.communicate(timeout=120)[1]
        assert run.returncode == 0, stop_log[-3000:]
        assert "'finish_reason': 'shutdown'" in stop_log
        done = subprocess.run(jobdir_crawl(server, resumed, state, job), cwd=ROOT, env=CRAWL_ENV,
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"Resuming crawl \([1-9]\d* requests scheduled\)", done.stderr)
    assert "never closed" not in done.stderr
    exported = [record["id"] for output in (stopped, resumed) for record in read_jsonl(output)]
    assert sorted(exported) == rt_ids(RUSSIA)


def test_two_crawls_at_once_on_one_jobdir_are_refused(tmp_path):
    job, state = tmp_path / "job", tmp_path / "state.db"
    with ReplicaServer(ReplicaSite.from_feed()) as server:
        first = subprocess.Popen(jobdir_crawl(server, tmp_path / "first.jsonl", state, job, DOWNLOAD_DELAY=0.1),
                                 cwd=ROOT, env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not (job / RUNNING).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(jobdir_crawl(server, tmp_path / "second.jsonl", state, job), cwd=ROOT,
                                env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
        first_log = first.communicate(timeout=300)[1]
    assert second.returncode != 0 and "is in use by another running crawl" in second.stderr
    assert first.returncode == 0, first_log[-3000:]
    assert "never closed" not in first_log  # the refused crawl discarded nothing of the running one
    assert ids(read_jsonl(tmp_path / "first.jsonl")) == rt_ids(RUSSIA)
