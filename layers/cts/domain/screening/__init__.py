"""Party screening: fuzzy matching of shipper/consignee/notify/forwarder names against watch lists.

Pure domain code: normalisation (:mod:`.normalise`), the candidate index (:mod:`.index`), the explainable scorer
(:mod:`.matcher`), watch-list importers (:mod:`.importers`) and labelled pairs for evaluation (:mod:`.pairs`).
"""

from __future__ import annotations

from cts.domain.screening.importers import (
    WatchlistError,
    load_cts_csv,
    load_ofac_legacy,
    load_watchlist,
    parse_opensanctions_ftm,
    parse_un_consolidated,
)
from cts.domain.screening.index import ScreeningIndex
from cts.domain.screening.matcher import DEFAULT_CONFIG, Screener, ScreeningConfig, compare, score_pair
from cts.domain.screening.model import EntryKind, Match, Part, ScreeningEntry
from cts.domain.screening.normalise import NormalisedName, normalise, phonetic_key
from cts.domain.screening.pairs import NamePair, evaluate, generate_pairs, synthetic_entries

__all__ = [
    "DEFAULT_CONFIG",
    "EntryKind",
    "Match",
    "NamePair",
    "NormalisedName",
    "Part",
    "Screener",
    "ScreeningConfig",
    "ScreeningEntry",
    "ScreeningIndex",
    "WatchlistError",
    "compare",
    "evaluate",
    "generate_pairs",
    "load_cts_csv",
    "load_ofac_legacy",
    "load_watchlist",
    "normalise",
    "parse_opensanctions_ftm",
    "parse_un_consolidated",
    "phonetic_key",
    "score_pair",
    "synthetic_entries",
]
