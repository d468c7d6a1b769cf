"""What the state remembers of an article's text: an exact fingerprint and a MinHash signature.

The exact fingerprint catches a copy with the same words; the MinHash signature, cut into LSH
bands, finds copies that differ by a few sentences (a "Source" line, a teaser left in) without
comparing against every article seen before.

The signature is datasketch's "affine32" MinHash, value for value (tests/test_fingerprint.py
holds values datasketch 2.0 computed), in a few lines of numpy: importing datasketch imports its
LSH module, and that scipy (0.5 s of start-up, 86 MB of memory), only to choose the bands.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from newsbot.text import text_key

SHINGLE_WORDS = 5  # shingles of five words: different articles on one story share few of them
NUM_PERM = 128
NEAR_DUPLICATE_THRESHOLD = 0.8  # estimated Jaccard similarity of the shingle sets
MIN_WORDS = 20  # shorter texts ("Watch the video") say too little to call two articles one
MINHASH_SCHEME, MINHASH_SEED = "affine32", 1
LSH_WEIGHTS = (0.1, 0.9)  # (false candidates, missed copies)
SPACE = ord(" ")
FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
INTEGRATION_POINTS = 2001  # of the similarity axis, for the LSH error integrals


def affine_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations h -> a*h + b mod 2^32 (a odd: a bijection)."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer (a bijection that spreads CRC-32's structure before permuting)."""
    shift1, multiplier1, shift2, multiplier2, shift3 = FMIX32
    values = (values ^ (values >> shift1)) * multiplier1
    values = (values ^ (values >> shift2)) * multiplier2
    return values ^ (values >> shift3)


@cache
def lsh_bands(threshold: float, num_perm: int, weights: tuple[float, float]) -> tuple[int, int]:
    """(bands, rows) of at most ``num_perm`` values minimising the weighted chances of a false
    candidate (similarity below the threshold) and of a missed pair (above it): datasketch's
    MinHashLSH choice, its integrals taken with the trapezoid rule over all (b, r) at once."""
    similarity = np.linspace(0.0, 1.0, INTEGRATION_POINTS)
    below = similarity <= threshold
    best, chosen = float("inf"), (0, 0)
    for bands in range(1, num_perm + 1):
        rows = np.arange(1, num_perm // bands + 1)[:, None]
        candidate = 1 - (1 - similarity ** rows) ** bands  # chance that a pair shares a band
        false_positive = np.trapezoid(np.where(below, candidate, 0), similarity, axis=1)
        false_negative = np.trapezoid(np.where(below, 0, 1 - candidate), similarity, axis=1)
        error = weights[0] * false_positive + weights[1] * false_negative
        if error.min() < best:
            best, chosen = float(error.min()), (bands, int(rows[error.argmin(), 0]))
    return chosen


@dataclass(frozen=True)
class ContentPrint:
    """The text of one article as the state compares it."""

    exact: bytes  # BLAKE2b-128 of the normalised text: tells a changed text on a refresh
    signature: bytes | None  # MinHash values (uint32); None when the text is too short to compare
    bands: tuple[int, ...]  # one signed 64-bit key per LSH band of the signature

    @property
    def comparable(self) -> bool:
        """Long enough for its text to identify a story (exact and near-duplicate checks)."""
        return self.signature is not None


class Fingerprinter:
    """Computes content prints with one fixed set of parameters (a state is built with one)."""

    def __init__(self, threshold: float = NEAR_DUPLICATE_THRESHOLD, num_perm: int = NUM_PERM,
                 shingle_words: int = SHINGLE_WORDS, min_words: int = MIN_WORDS):
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        self.min_words = min_words
        # (bands, rows) for the threshold, weighing a missed copy nine times an extra candidate
        # (each candidate is verified against its stored signature): 14 x 9 for 0.8 finds 87% of
        # pairs at similarity 0.8 and 99.9% at 0.9, where 9 x 13 finds 40% and 93%.
        self.bands, self.rows = lsh_bands(threshold, num_perm, LSH_WEIGHTS)
        self._multipliers, self._offsets = affine_permutations(num_perm, MINHASH_SEED)

    @property
    def parameters(self) -> dict[str, str]:
        """What a stored signature depends on: a state made with others cannot be compared with."""
        return {
            "text": "normalize_key", "exact": "blake2b-128", "minhash": f"datasketch-{MINHASH_SCHEME}-seed{MINHASH_SEED}-crc32",
            "num_perm": str(self.num_perm), "shingle_words": str(self.shingle_words),
            "bands": str(self.bands), "rows": str(self.rows), "min_words": str(self.min_words),
        }

    def of(self, text: str) -> ContentPrint:
        normalised = text_key(text).encode("utf-8")  # words joined by single spaces
        exact = hashlib.blake2b(normalised, digest_size=16).digest()
        spaces = np.flatnonzero(np.frombuffer(normalised, np.uint8) == SPACE).tolist()
        if len(spaces) + 1 < self.min_words:
            return ContentPrint(exact, None, ())
        # Shingle i runs from the start of word i to the end of word i + size - 1.
        starts, ends = [0, *(space + 1 for space in spaces)], [*spaces, len(normalised)]
        size = self.shingle_words
        # CRC-32 of each shingle (C speed; pre-mixed before permuting) estimates similarity as
        # well as a SHA-1 does, at 2.4 times the speed.
        shingles = np.array([zlib.crc32(normalised[start:end]) for start, end in zip(starts, ends[size - 1:])],
                            dtype=np.uint32)
        permuted = fmix32(shingles)[:, None] * self._multipliers + self._offsets  # wraps: mod 2^32
        values = permuted.min(axis=0)
        return ContentPrint(exact, values.tobytes(), self._band_keys(values))

    def _band_keys(self, values: np.ndarray) -> tuple[int, ...]:
        keys = []
        for band in range(self.bands):
            rows = values[band * self.rows:(band + 1) * self.rows].tobytes()
            digest = hashlib.blake2b(band.to_bytes(2, "big") + rows, digest_size=8).digest()
            keys.append(int.from_bytes(digest, "big", signed=True))  # SQLite integers are signed
        return tuple(keys)

    def similarity(self, signature: bytes, other: bytes) -> float:
        """Estimated Jaccard similarity: the share of MinHash values the two signatures agree on."""
        return float(np.mean(np.frombuffer(signature, np.uint32) == np.frombuffer(other, np.uint32)))
