"""Property-based: whatever bytes arrive, the Cargo-XML parsers return a result and never raise."""

from __future__ import annotations

import re

import pytest
from cargoxml_fixtures import CTX, XFFM, XFZB, xfwb

pytest.importorskip("hypothesis", reason="hypothesis is a dev dependency (pip install hypothesis)")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cts.domain.parsers.base import ParseResult
from cts.domain.parsers.cargoxml import XffmParser, XfwbParser, XfzbParser

PARSERS = (XfwbParser(), XfzbParser(), XffmParser())
DOCUMENTS = (xfwb(), XFZB, XFFM)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(raw: bytes) -> None:
    for parser in PARSERS:
        result = parser.parse(raw, CTX)
        assert isinstance(result, ParseResult)
        parser.sniff(raw[:4096].decode("utf-8", errors="replace"))


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes):
    _check(raw)


@SETTINGS
@given(st.sampled_from(DOCUMENTS), st.integers(0, 10_000), st.integers(0, 200), st.binary(max_size=40))
def test_mutated_documents_never_raise(document: bytes, start: int, length: int, insert: bytes):
    start %= len(document) + 1
    _check(document[:start] + insert + document[start + length :])


TEXT_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["-1", "NaN", "Infinity", "1E999999", "1e-999999", "0", "3.5", "12,5", " 7 ", "", "\u0000"]),
)


LEAF_TEXT = re.compile(r">([^<>]*)</")


@SETTINGS
@given(st.sampled_from(DOCUMENTS), st.data())
def test_odd_element_values_never_raise(document: bytes, data: st.DataObject):
    """Replace the text of a few leaf elements (counts, weights, codes, dates) with odd values."""
    text = document.decode()
    leaves = list(LEAF_TEXT.finditer(text))
    chosen = data.draw(st.lists(st.integers(0, len(leaves) - 1), min_size=1, max_size=8, unique=True))
    for index in sorted(chosen, reverse=True):
        value = data.draw(TEXT_VALUES)
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        escaped = "".join(ch for ch in escaped if ch.isprintable() or ch in "\t\n")
        leaf = leaves[index]
        text = text[: leaf.start(1)] + escaped + text[leaf.end(1) :]
    _check(text.encode())
