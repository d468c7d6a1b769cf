"""The MinHash signature and LSH bands of the state (newsbot.state.fingerprint) are datasketch's,
value for value, without datasketch or scipy: states written before stay comparable."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys

import pytest

from newsbot.state.fingerprint import Fingerprinter, lsh_bands

WORDS = "the of russia kremlin said minister talks ukraine peace moscow sanctions energy gas deal week report".split()
# sha256(signature)[:16] and the first band key, as datasketch 2.0.0 computed them (MinHash
# scheme affine32, seed 1, hashfunc zlib.crc32; 14 bands x 9 rows) for the texts below.
DATASKETCH_PRINTS = {
    25: ("d4eff18bb314d1d9", -6082629513291111702),
    60: ("e4f210e7f4130abf", 5184346490546379834),
    300: ("aca849ed19cc2f20", -1047236125256210786),
    1000: ("56f92325702e8060", 1507893603718562289),
}


@pytest.mark.parametrize("words", sorted(DATASKETCH_PRINTS))
def test_signatures_are_datasketchs(words):
    rng = random.Random(7)
    texts = {n: " ".join(rng.choice(WORDS) for _ in range(n)) for n in sorted(DATASKETCH_PRINTS)}
    content = Fingerprinter().of(texts[words])
    assert (hashlib.sha256(content.signature).hexdigest()[:16], content.bands[0]) == DATASKETCH_PRINTS[words]


@pytest.mark.parametrize("threshold, num_perm, expected", [
    (0.8, 128, (14, 9)), (0.8, 64, (9, 7)), (0.5, 128, (32, 4)), (0.9, 256, (13, 19)),
])
def test_bands_are_datasketchs_choice(threshold, num_perm, expected):
    assert lsh_bands(threshold, num_perm, (0.1, 0.9)) == expected


def test_the_state_imports_neither_datasketch_nor_scipy():
    code = "import sys, newsbot.state; print(sorted({'datasketch', 'scipy'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"
