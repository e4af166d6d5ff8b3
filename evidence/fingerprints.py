"""Text fingerprints for duplicate and campaign detection: pure functions, no Django.

A response's text is cut into passages (its paragraphs; long ones into windows of sentences). Each passage
gets a MinHash signature (datasketch) over its word 3-shingles, so two passages' signatures agree in about
the share of positions that their shingle sets overlap (Jaccard similarity). Signatures are cut into
bands; a band's values hash to one 64-bit key, and passages that share any key are candidates
(locality-sensitive hashing). With ``BANDS`` bands of ``ROWS`` rows, passages with Jaccard similarity s
become candidates with probability 1 - (1 - s**ROWS)**BANDS: 0.985 at s = 0.8, 0.89 at s = 0.7, 0.65 at
s = 0.6, 0.19 at s = 0.4, so small edits still meet and different texts on the same topic seldom do. Candidates are then
compared on all ``NUM_PERM`` positions, which estimates their similarity to within about ±0.06.

Working per passage rather than per response is what finds a template letter whose paragraphs were
reordered and which each sender topped and tailed with their own words, and one proposal made in
nearly the same words inside two otherwise different responses.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _SCHEME_DTYPES, _SCHEME_WIDTHS, _fmix

NUM_PERM = 64
BANDS = 8
ROWS = 4
SEED = 1
# Passages shorter than this are salutations, signatures and one-line answers ("Agree."): too common
# to say anything about who wrote what.
MIN_WORDS = 10
# Paragraphs longer than this are cut into windows of sentences of about WINDOW_WORDS words.
MAX_WORDS = 150
WINDOW_WORDS = 100
# Per-response work is bounded whatever is attached: the first passages only.
MAX_PASSAGES = 40
# Two passages are "the same" from this Jaccard similarity of their shingles.
PASSAGE_MATCH = 0.5
# Pairs estimated this close are worth checking on their text (the estimate is within about ±0.06, and a
# response is compared with some hundred passages, so estimates alone would pass a few that are not).
PASSAGE_CHECK = 0.4

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LINES = re.compile(r"\n\s*")


@dataclass(frozen=True)
class Passage:
    start: int  # character offsets into the text
    end: int
    words: int


@dataclass(frozen=True)
class Fingerprint:
    passages: list[Passage]
    signatures: np.ndarray  # passages × NUM_PERM, uint32

    @property
    def words(self) -> int:
        return sum(p.words for p in self.passages)

    def to_bytes(self) -> bytes:
        return self.signatures.astype("<u4").tobytes()

    @staticmethod
    def signatures_from_bytes(data: bytes) -> np.ndarray:
        return np.frombuffer(data, dtype="<u4").reshape(-1, NUM_PERM)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def passages(text: str) -> list[Passage]:
    """The passages of ``text``, in order: paragraphs of MIN_WORDS words or more, long ones in windows."""
    found: list[Passage] = []
    position = 0
    for line in _LINES.split(text):
        start = text.find(line, position) if line else position
        position = start + len(line)
        words = len(_WORD.findall(line))
        if words < MIN_WORDS:
            continue
        if words <= MAX_WORDS:
            found.append(Passage(start, start + len(line.rstrip()), words))
        else:
            window_start, window_words, cursor = start, 0, start
            for sentence in _SENTENCE_END.split(line):
                at = text.find(sentence, cursor)
                cursor = at + len(sentence)
                window_words += len(_WORD.findall(sentence))
                if window_words >= WINDOW_WORDS:
                    found.append(Passage(window_start, cursor, window_words))
                    window_start, window_words = cursor, 0
            if window_words >= MIN_WORDS:
                found.append(Passage(window_start, cursor, window_words))
        if len(found) >= MAX_PASSAGES:
            break
    return found[:MAX_PASSAGES]


def _shingles(text: str) -> list[bytes]:
    words = _words(text)
    if len(words) < 3:
        return [" ".join(words).encode()]
    return [f"{a} {b} {c}".encode() for a, b, c in zip(words, words[1:], words[2:], strict=False)]


# One MinHash's hash function and permutations, shared by every signature.
_PROTOTYPE = MinHash(num_perm=NUM_PERM, seed=SEED)


def _minhash_signatures(shingle_sets: list[list[bytes]]) -> np.ndarray:
    """The MinHash signature of each set of shingles, as ``MinHash.bulk`` computes them (a test holds the
    two equal), in one pass over all the sets: a response's passages cost one array operation, not one
    MinHash object each."""
    dtype, width = _SCHEME_DTYPES[_PROTOTYPE.scheme], _SCHEME_WIDTHS[_PROTOTYPE.scheme]
    hashfunc = _PROTOTYPE.hashfunc
    values = np.fromiter((hashfunc(s) for shingles in shingle_sets for s in shingles), dtype=dtype)
    a, b = _PROTOTYPE.permutations
    permuted = _fmix(values, width)[:, None] * a + b
    starts = np.cumsum([0] + [len(shingles) for shingles in shingle_sets[:-1]])
    return np.minimum.reduceat(permuted, starts, axis=0).astype(np.uint32)


def fingerprint(text: str) -> Fingerprint:
    found = passages(text)
    if not found:
        return Fingerprint([], np.zeros((0, NUM_PERM), dtype=np.uint32))
    # Every passage has MIN_WORDS words, so at least one shingle: no set is empty.
    return Fingerprint(found, _minhash_signatures([_shingles(text[p.start : p.end]) for p in found]))


def band_keys(scope: int, signatures: np.ndarray) -> list[tuple[int, int]]:
    """(key, passage number) for each band of each passage. ``scope`` (the consultation) is part of the
    key, so one index serves every consultation without mixing them."""
    keys = []
    for number, row in enumerate(signatures):
        for band in range(BANDS):
            values = row[band * ROWS : (band + 1) * ROWS].astype("<u4").tobytes()
            digest = hashlib.blake2b(struct.pack("<qB", scope, band) + values, digest_size=8).digest()
            keys.append((struct.unpack("<q", digest)[0], number))
    return keys


def similarities(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of every passage of ``a`` with every passage of ``b``."""
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    return (a[:, None, :] == b[None, :, :]).mean(axis=2)


@dataclass(frozen=True)
class Comparison:
    """How much of two texts is shared, by words of passages that have a match in the other text."""

    share_a: float  # of a's passage words, the share found in b
    share_b: float
    best: float  # the closest pair of passages
    matched_a: frozenset[int]  # a's passages found in b
    matched_b: frozenset[int]
    close: tuple[tuple[int, int], ...] = ()  # (a's passage, b's passage) estimated at PASSAGE_CHECK or more


def compare(a: Fingerprint, b_passages: list[int], b_signatures: np.ndarray) -> Comparison:
    """Compare fingerprint ``a`` with another text given by its passages' word counts and signatures."""
    sims = similarities(a.signatures, b_signatures)
    if not sims.size:
        return Comparison(0.0, 0.0, 0.0, frozenset(), frozenset())
    hits = sims >= PASSAGE_MATCH
    close = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(sims >= PASSAGE_CHECK), strict=True))
    matched_a = frozenset(int(i) for i in np.flatnonzero(hits.any(axis=1)))
    matched_b = frozenset(int(j) for j in np.flatnonzero(hits.any(axis=0)))
    words_a = a.words or 1
    words_b = sum(b_passages) or 1
    return Comparison(
        share_a=sum(a.passages[i].words for i in matched_a) / words_a,
        share_b=sum(b_passages[j] for j in matched_b) / words_b,
        best=float(sims.max()),
        matched_a=matched_a,
        matched_b=matched_b,
        close=close,
    )


def jaccard(a: str, b: str) -> float:
    """The exact Jaccard similarity of two passages' word 3-shingles."""
    left, right = set(_shingles(a)), set(_shingles(b))
    return len(left & right) / len(left | right) if left and right else 0.0


_SUFFIXES = {"ltd", "limited", "plc", "llp", "llc", "inc", "uk", "the", "co", "company", "group", "gmbh", "ag"}


def sender_key(name: str) -> str:
    """An organisation's name reduced to what identifies it: "Pennine Biologics Ltd." and "pennine
    biologics limited" are one sender."""
    return " ".join(w for w in _words(name) if w not in _SUFFIXES)
