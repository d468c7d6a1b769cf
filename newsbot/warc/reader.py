"""Captures out of WARC files, streamed: one record in memory at a time, whatever the file's size.

Every producer of WARC.gz files this project meets (CC-NEWS, Heritrix, wget ``--warc-file``,
Browsertrix, newsbot itself) writes one gzip member per record. The file is cut into members here
(whole members with ISA-L's inflate, 1.6x zlib's speed), so that a broken member costs only its
own record: the reader resynchronises on the next member header and goes on. Each member's WARC
header is inflated first and the record skipped unless its type and target URI are wanted; the
rest of an unwanted member is not even inflated (it ends where the next member header follows
the gzip trailer's size field, which the header's Content-Length gives), so the 99 % a section
does not want cost a header each. FastWARC then parses the HTTP message of a wanted record and
undoes its chunking (the Content-Encoding is left, with its header, for Scrapy's decompression,
as for a live page). An uncompressed WARC file is handed to FastWARC whole.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Callable, Iterator

from fastwarc.warc import ArchiveIterator, WarcRecordType
from isal import isal_zlib

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/"  # how an uncompressed WARC file starts
READ_SIZE = 1 << 20
FEED_SIZE = 1 << 16  # what the inflater gets at once: what it leaves over is copied at each member's end
MAX_RECORD_BYTES = 32 * 1024 * 1024  # a bigger record is no news page (as DOWNLOAD_MAXSIZE for live pages)
# Compressed bytes inflated at a time while looking for a WARC header's end (a CC-NEWS header is
# 600-800 bytes, about as many compressed), by zlib: for so little, ISA-L's bigger inflater state
# costs more than it saves (the unwanted records of a 100 MB file: 0.18 CPU-s with zlib, 0.24 with ISA-L).
HEAD_FEED_SIZE = 600
MAX_HEAD_BYTES = 64 * 1024  # a longer WARC header is damage: the member is read whole, and judged
WANTED_TYPES = (b"response", b"revisit")
SKIPPED = object()  # what MemberSplitter yields for a member its ``wanted`` refused from the header


@dataclass
class Capture:
    """One archived HTTP response of a wanted URL."""

    url: str
    captured_at: datetime
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    offset: int  # of its record (its gzip member) in the file
    end: int  # where the next record starts: a rerun resumes there once this one is settled
    revisit_of: str | None = None  # the original capture's URI, for a resolved revisit record


class MemberSplitter:
    """Yields ``(offset, bytes)`` for each gzip member of ``stream``; ``bytes`` is None for a
    broken, truncated or oversized member, after which it resynchronises on the next member
    header, and SKIPPED for a member whose WARC header fields ``wanted`` refuses (then only the
    header is inflated). Holds one member (compressed and inflated) and one read buffer in memory.
    ``start``: the file offset ``stream`` begins at (a resumed read)."""

    def __init__(self, stream: BinaryIO, counts: Counter, wanted: Callable[[dict[bytes, bytes]], bool] | None = None,
                 start: int = 0):
        self.stream = stream
        self.counts = counts
        self.wanted = wanted
        self.data = b""  # read, not yet consumed from self.position on
        self.position = 0
        self.base = start  # file offset of self.data[0]

    @property
    def offset(self) -> int:
        """The file offset of the next member (everything before it has been yielded)."""
        return self.base + self.position

    def _read_more(self) -> bool:
        more = self.stream.read(READ_SIZE)
        if not more:
            return False
        if self.position > READ_SIZE:  # forget what is consumed, now and then (not per member: a copy)
            self.base += self.position
            self.data, self.position = self.data[self.position:], 0
        self.data += more
        return True

    def __iter__(self) -> Iterator[tuple[int, bytes | None]]:
        resyncing = False
        while True:
            if len(self.data) - self.position < len(GZIP_MAGIC) and not self._read_more() \
                    and self.position >= len(self.data):
                return
            offset = self.base + self.position
            if not self.data.startswith(GZIP_MAGIC, self.position):
                outcome = None
            elif self.wanted and self._skipped():
                resyncing = False
                yield offset, SKIPPED
                continue
            else:
                outcome = self._member()
            if isinstance(outcome, bytes):
                resyncing = False
                yield offset, outcome
                continue
            if not resyncing:  # one count per damaged stretch, however many false starts it holds
                self.counts[outcome or "broken_members"] += 1
                yield offset, None
            resyncing = True
            self._resync()

    def _member(self) -> bytes | str | None:
        """Inflate the member at the current position and move past it. On failure (broken,
        truncated: None; "too_large") the position stays, to resynchronise from."""
        inflater = isal_zlib.decompressobj(31)
        parts, size, consumed = [], 0, 0  # consumed: from the member's start (self.position, which
        while True:                       # _read_more may shift when it forgets consumed bytes)
            if self.position + consumed >= len(self.data) and not self._read_more():
                return None  # the file ends inside the member: truncated
            start = self.position + consumed
            piece = memoryview(self.data)[start:start + FEED_SIZE]
            try:
                part = inflater.decompress(piece)
            except isal_zlib.error:
                return None
            size += len(part)
            if size > MAX_RECORD_BYTES:
                return "too_large"
            parts.append(part)
            consumed += len(piece) - len(inflater.unused_data)
            if inflater.eof:
                self.position += consumed
                return b"".join(parts)

    def _skipped(self) -> bool:
        """Whether ``wanted`` refuses the member at the current position from its WARC header; if
        so, moves past it inflating nothing more. The member ends where a member header follows
        the gzip trailer's ISIZE (the inflated size, from the header's Content-Length): 56 bits
        that random compressed data matches about once in 10^16 positions. False, the position
        unchanged, when the header is wanted, unreadable, or its length does not lead to a member
        (a damaged or mislabelled one is then read whole, and judged)."""
        inflater = zlib.decompressobj(31)
        head, consumed = b"", 0
        while (head_end := head.find(b"\r\n\r\n")) < 0:
            if len(head) > MAX_HEAD_BYTES or (self.position + consumed >= len(self.data) and not self._read_more()):
                return False
            start = self.position + consumed
            piece = memoryview(self.data)[start:start + HEAD_FEED_SIZE]
            try:
                head += inflater.decompress(piece)
            except zlib.error:
                return False
            consumed += len(piece) - len(inflater.unused_data)
            if inflater.eof:
                return False  # the whole member is already inflated: the usual path takes it
        fields = warc_header(head)
        if self.wanted(fields):
            return False
        try:
            size = head_end + 4 + int(fields.get(b"content-length", b"")) + 4  # header, block, record end
        except ValueError:
            return False
        trailer = struct.pack("<I", size & 0xFFFFFFFF)
        search = self.base + self.position + consumed  # file offsets: _read_more may move self.data
        while True:
            found = self.data.find(GZIP_MAGIC, search - self.base)
            while found >= 0 and self.data[found - 4:found] != trailer:
                found = self.data.find(GZIP_MAGIC, found + 1)
            if found >= 0:
                self.position = found
                return True
            search = self.base + max(self.position + consumed, len(self.data) - len(GZIP_MAGIC) + 1)
            if search - (self.base + self.position) > MAX_RECORD_BYTES:
                return False
            if not self._read_more():
                if self.data.endswith(trailer):  # the file's last member
                    self.position = len(self.data)
                    return True
                return False

    def _resync(self) -> None:
        """Move to the next member header after the current position (or to the end)."""
        while True:
            found = self.data.find(GZIP_MAGIC, self.position + 1)
            if found > 0:
                self.position = found
                return
            self.position = max(self.position, len(self.data) - len(GZIP_MAGIC) + 1)
            if not self._read_more():
                self.position = len(self.data)
                return


def target_uri(value: str) -> str:
    """A WARC-Target-URI as a URL: WARC 1.0 writers (wget among them) wrap it in <...>."""
    value = value.strip()
    return value[1:-1] if value.startswith("<") and value.endswith(">") else value


def warc_header(record: bytes) -> dict[bytes, bytes]:
    """The WARC header fields of a record (names lower-cased), without parsing its content."""
    head = record[:record.find(b"\r\n\r\n")]  # not partition(): that would copy the whole record
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields


def _length_fits(record: bytes, header: dict[bytes, bytes]) -> bool:
    """Whether the record's block is as long as its Content-Length says (a record cut short, or
    one whose length is wrong, is not read as if it were whole)."""
    block = len(record) - record.find(b"\r\n\r\n") - 4 - len(b"\r\n\r\n")
    try:
        return int(header.get(b"content-length", b"-1")) == block
    except ValueError:
        return False


def _capture(record_bytes: bytes, offset: int, end: int, counts: Counter) -> Capture | None:
    """The HTTP response in one WARC record (FastWARC parses it and undoes its encodings)."""
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(record_bytes), parse_http=True, auto_decode="transfer",
                                           record_types=WarcRecordType.response | WarcRecordType.revisit)), None)
        if record is None or record.http_headers is None:
            counts["unparsable_records"] += 1
            return None
        return _from_record(record, offset, end)
    except (OSError, ValueError):
        counts["unparsable_records"] += 1
        return None


def _from_record(record, offset: int, end: int) -> Capture:
    """A FastWARC record (its HTTP message parsed) as a Capture; reads its body."""
    return Capture(url=target_uri(record.headers.get("WARC-Target-URI", "")), captured_at=record.record_date,
                   status=record.http_headers.status_code, headers=list(record.http_headers.items()),
                   body=record.reader.read(), offset=offset, end=end)


def read_captures(stream: BinaryIO, wanted: Callable[[str], bool], counts: Counter,
                  reopen: Callable[[int], BinaryIO] | None = None, start: int = 0) -> Iterator[Capture]:
    """The captures in ``stream`` whose target URI ``wanted`` accepts. Truncated records
    (``WARC-Truncated``) and broken members are skipped and counted. A ``revisit`` record is
    resolved to the earlier capture with the same payload digest when ``reopen(offset)`` can
    read that capture again (a seekable file), else counted as unresolved. ``start``: the file
    offset of a record boundary that ``stream`` begins at (a resumed read; a revisit of a
    capture before it is then unresolved)."""
    first = stream.read(len(WARC_MAGIC))
    stream = _Prefixed(first, stream)
    if first == WARC_MAGIC:  # else gzip members, the first one maybe damaged (then passed over)
        yield from _uncompressed_captures(stream, wanted, counts, start)
        return

    def wanted_header(header: dict[bytes, bytes]) -> bool:
        return header.get(b"warc-type", b"") in WANTED_TYPES and wanted(
            target_uri(header.get(b"warc-target-uri", b"").decode("utf-8", "replace")))

    originals: dict[bytes, int] = {}  # payload digest -> offset of a wanted capture with it
    members = MemberSplitter(stream, counts, wanted=wanted_header, start=start)
    for offset, record in members:
        if record is None:
            continue
        counts["records"] += 1
        if record is SKIPPED:
            continue
        header = warc_header(record)
        if not wanted_header(header):  # read whole only because its header did not say where it ends
            continue
        counts["matched"] += 1
        if header.get(b"warc-truncated"):
            counts["truncated_records"] += 1
            continue
        if not _length_fits(record, header):
            counts["length_mismatch"] += 1
            continue
        if header.get(b"warc-type") == b"revisit":
            capture = _resolve_revisit(header, offset, members.offset, originals, reopen, counts)
        else:
            capture = _capture(record, offset, members.offset, counts)
            if capture and (digest := header.get(b"warc-payload-digest")):
                originals.setdefault(digest, offset)
        if capture:
            yield capture


def _resolve_revisit(header, offset, end, originals, reopen, counts) -> Capture | None:
    original_offset = originals.get(header.get(b"warc-payload-digest", b""))
    if original_offset is None or reopen is None:
        counts["unresolved_revisits"] += 1
        return None
    with reopen(original_offset) as again:
        original = next(iter(MemberSplitter(again, Counter())), (None, None))[1]
    capture = _capture(original, original_offset, end, counts) if original else None
    if capture is None:
        counts["unresolved_revisits"] += 1
        return None
    counts["resolved_revisits"] += 1
    return Capture(url=target_uri(header.get(b"warc-target-uri", b"").decode("utf-8", "replace")),
                   captured_at=_warc_date(header) or capture.captured_at,
                   status=capture.status, headers=capture.headers, body=capture.body, offset=offset, end=end,
                   revisit_of=capture.url)


def _warc_date(header: dict[bytes, bytes]) -> datetime | None:
    date = header.get(b"warc-date", b"").decode("ascii", "replace")
    try:
        return datetime.fromisoformat(date.replace("Z", "+00:00")) if date else None
    except ValueError:
        return None


def _uncompressed_captures(stream, wanted, counts, start: int) -> Iterator[Capture]:
    def keep(record) -> bool:
        counts["records"] += 1
        return wanted(target_uri(record.headers.get("WARC-Target-URI", "")))

    try:
        for record in ArchiveIterator(stream, parse_http=True, auto_decode="transfer", func_filter=keep,
                                      record_types=WarcRecordType.response):
            counts["matched"] += 1
            if record.headers.get("WARC-Truncated"):
                counts["truncated_records"] += 1
                continue
            offset = start + record.stream_pos  # a rerun resumes at its start: where the next one is, is not known yet
            yield _from_record(record, offset, offset)
    except OSError:
        counts["broken_members"] += 1


class _Prefixed(io.RawIOBase):
    """``stream`` with ``prefix`` (already read from it) put back in front; it tells its position
    and seeks forward by reading (FastWARC seeks even on a stream, and a network one cannot)."""

    def __init__(self, prefix: bytes, stream: BinaryIO):
        self.prefix = prefix
        self.stream = stream
        self.position = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.prefix:
            head, self.prefix = (self.prefix, b"") if size < 0 or size >= len(self.prefix) else \
                (self.prefix[:size], self.prefix[size:])
            data = head + (self.stream.read(-1 if size < 0 else size - len(head)) if size != len(head) else b"")
        else:
            data = self.stream.read(size)
        self.position += len(data)
        return data

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset + (self.position if whence == io.SEEK_CUR else 0)
        if whence == io.SEEK_END or target < self.position:
            raise io.UnsupportedOperation("only forward seeks")
        while self.position < target and self.read(min(READ_SIZE, target - self.position)):
            pass
        return self.position
