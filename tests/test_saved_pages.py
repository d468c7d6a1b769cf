"""Saved pages are read as what their bytes are: a declaration the bytes contradict is overruled."""

from __future__ import annotations

from newsbot.cli import read_page

PAGE = '<html><head><meta charset="gb2312"><title>人民网 习近平主席致贺信</title></head><body><p>中拉航天合作</p></body></html>'


def test_utf8_page_declaring_another_charset_is_read_as_utf8(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.encode("utf-8"))  # re-encoded when saved, its meta tag left as it was
    assert read_page(path) == PAGE


def test_page_in_its_declared_charset_is_read_as_declared(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.encode("gb2312"))
    assert read_page(path) == PAGE


def test_legacy_page_without_utf8_bytes_keeps_its_declaration(tmp_path):
    page = '<html><head><meta charset="windows-1252"></head><body><p>Café déjà vu</p></body></html>'
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("cp1252"))
    assert read_page(path) == page
