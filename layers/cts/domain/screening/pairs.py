"""Labelled name pairs for measuring a screening scorer, and the measures.

:func:`generate_pairs` draws, deterministically from a seed, pairs ``(query, listed name)``:

- positives: a listed name changed the way real documents change it: ``typo`` (one character swapped, dropped or
  doubled), ``transliteration`` (spelling variants: ou/u, ee/i, ph/f, kh/h, y/i, Mohammed/Muhammad...),
  ``reorder`` (tokens rotated), ``drop_middle`` (a middle token dropped from a name of 3 tokens or more),
  ``legal_form`` (legal form added or changed, organisations), ``abbreviation`` (INTERNATIONAL -> INTL, AND -> &...);
  (aliases are not pair variants: a listed alias is found by the index, not by name similarity);
- negatives (hard non-matches): ``same_surname`` (a person's given name replaced by another person's), ``same_first``
  (an organisation's first word kept, the rest taken from another organisation), ``random`` (another entry's name).

:func:`evaluate` gives the rank-based AUC (Mann-Whitney U with average ranks for ties) and the recall reached when at
most 1 % / 5 % of the negatives score at or above the threshold.

:func:`synthetic_entries` makes a large list of made-up names (persons and organisations from pseudo-words) for
benchmarks when no real list is at hand.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cts.domain.screening.model import EntryKind, ScreeningEntry
from cts.domain.screening.normalise import normalise

POSITIVE_VARIANTS = ("typo", "transliteration", "reorder", "drop_middle", "legal_form", "abbreviation")
NEGATIVE_VARIANTS = ("same_surname", "same_first", "random")

_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("MOHAMMED", "MUHAMMAD"),
    ("MOHAMMAD", "MOHAMED"),
    ("AHMED", "AHMAD"),
    ("OU", "U"),
    ("EE", "I"),
    ("PH", "F"),
    ("KH", "H"),
    ("Y", "I"),
    ("SH", "SCH"),
    ("J", "DJ"),
    ("C", "K"),
    ("V", "W"),
    ("IE", "I"),
    ("AA", "A"),
)
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("INTERNATIONAL", "INTL"),
    ("MANUFACTURING", "MFG"),
    ("INDUSTRIES", "IND"),
    ("SERVICES", "SVCS"),
    ("COMPANY", "CO."),
    ("LIMITED", "LTD"),
    ("CORPORATION", "CORP."),
    (" AND ", " & "),
    ("BROTHERS", "BROS"),
)
_LEGAL_FORMS = ("LTD", "LIMITED", "CO., LTD.", "INC.", "LLC", "GMBH", "S.A.", "CORP.", "(HK) CO., LIMITED", "FZE")


@dataclass(frozen=True, slots=True)
class NamePair:
    left: str
    right: str
    kind: EntryKind | None
    label: bool
    variant: str
    entry_id: str = ""


def _typo(name: str, rng: random.Random) -> str:
    spots = [i for i in range(1, len(name) - 1) if name[i].isalpha() and name[i - 1].isalpha()]
    if not spots:
        return name + name[-1]
    i = rng.choice(spots)
    how = rng.randrange(3)
    if how == 0:
        return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
    if how == 1:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def _transliterate(name: str, rng: random.Random) -> str | None:
    upper = name.upper()
    options = [(a, b) for a, b in _SPELLINGS if a in upper] + [(b, a) for a, b in _SPELLINGS if b in upper]
    if not options:
        return None
    old, new = rng.choice(options)
    return upper.replace(old, new, 1)


def _words(name: str) -> list[str]:
    return name.replace(",", " ").split()


def _variant(entry: ScreeningEntry, name: str, how: str, rng: random.Random) -> str | None:
    words = _words(name)
    if how == "typo":
        return _typo(name, rng)
    if how == "transliteration":
        return _transliterate(name, rng)
    if how == "reorder":
        return " ".join(words[1:] + words[:1]) if len(words) >= 2 else None
    if how == "drop_middle":
        if len(words) < 3:
            return None
        del words[rng.randrange(1, len(words) - 1)]
        return " ".join(words)
    if how == "legal_form":
        if entry.kind is not EntryKind.ORGANIZATION:
            return None
        return f"{' '.join(words)} {rng.choice(_LEGAL_FORMS)}"
    if how == "abbreviation":
        upper = f" {name.upper()} "
        found = [(a, b) for a, b in _ABBREVIATIONS if a in upper]
        if not found:
            return None
        old, new = rng.choice(found)
        return upper.replace(old, new, 1).strip()
    raise ValueError(how)


def _negative(
    entry: ScreeningEntry, name: str, how: str, pool: dict[EntryKind, list[ScreeningEntry]], rng: random.Random
) -> str | None:
    words = _words(name)
    if how == "same_surname":
        people = pool.get(EntryKind.PERSON, [])
        if entry.kind is not EntryKind.PERSON or len(words) < 2 or not people:
            return None
        # Listed persons are "SURNAME, Given Middle": keep the surname, take another person's given name.
        surname = name.split(",")[0].split() if "," in name else words[:-1]
        other = rng.choice(people).names[0]
        given = other.split(",")[1].split() if "," in other else _words(other)[-1:]
        if not given or {g.upper() for g in given[:1]} & {w.upper() for w in words}:
            return None
        return " ".join([*surname, given[0]])
    if how == "same_first":
        orgs = pool.get(EntryKind.ORGANIZATION, [])
        if entry.kind is not EntryKind.ORGANIZATION or len(words) < 2 or not orgs:
            return None
        rest = _words(rng.choice(orgs).names[0])[1:]
        return " ".join([words[0], *rest]) if rest else None
    everyone = [e for group in pool.values() for e in group]
    return rng.choice(everyone).names[0]


def generate_pairs(entries: Sequence[ScreeningEntry], count: int = 2_000, seed: int = 7) -> list[NamePair]:
    """About ``count`` labelled pairs, half positive, half negative, always the same for the same input and seed."""
    rng = random.Random(seed)
    usable = [e for e in entries if e.names and normalise(e.names[0]).tokens]
    if not usable:
        return []
    pool: dict[EntryKind, list[ScreeningEntry]] = {}
    for entry in usable:
        pool.setdefault(entry.kind, []).append(entry)
    pairs: list[NamePair] = []
    attempts = 0
    while len(pairs) < count and attempts < count * 20:
        attempts += 1
        entry = rng.choice(usable)
        name = entry.names[0]
        positive = len(pairs) % 2 == 0
        how = rng.choice(POSITIVE_VARIANTS if positive else NEGATIVE_VARIANTS)
        query = _variant(entry, name, how, rng) if positive else _negative(entry, name, how, pool, rng)
        if not query or not normalise(query).tokens:
            continue
        if not positive:
            own = {normalise(n).key for n in entry.names}
            if normalise(query).key in own:
                continue
        pairs.append(NamePair(query, name, entry.kind, positive, how, entry.id))
    return pairs


def _average_ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Area under the ROC curve: the Mann-Whitney U of the positives over the negatives, ties counting half."""
    if not positives or not negatives:
        return float("nan")
    ranks = _average_ranks([*positives, *negatives])
    rank_sum = sum(ranks[: len(positives)])
    p, n = len(positives), len(negatives)
    return (rank_sum - p * (p + 1) / 2.0) / (p * n)


def recall_at_fpr(positives: Sequence[float], negatives: Sequence[float], fpr: float) -> float:
    """Share of positives alerted at the lowest threshold where at most ``fpr`` of the negatives are alerted."""
    if not positives or not negatives:
        return float("nan")
    ranked = sorted(negatives, reverse=True)
    allowed = int(fpr * len(ranked))
    if allowed >= len(ranked):
        return 1.0
    # Alert on scores strictly above the first negative that must not alert: ties with it cannot be separated.
    bar = ranked[allowed]
    return sum(1 for s in positives if s > bar) / len(positives)


def evaluate(pairs: Sequence[NamePair], scorer: Callable[[str, str, EntryKind | None], float]) -> dict[str, float]:
    """AUC and recall at 1 % and 5 % false-positive rate of ``scorer`` over labelled ``pairs``."""
    positives: list[float] = []
    negatives: list[float] = []
    for pair in pairs:
        (positives if pair.label else negatives).append(scorer(pair.left, pair.right, pair.kind))
    return {
        "auc": auc(positives, negatives),
        "recall_at_1pct_fpr": recall_at_fpr(positives, negatives, 0.01),
        "recall_at_5pct_fpr": recall_at_fpr(positives, negatives, 0.05),
        "pairs": float(len(pairs)),
    }


_ONSETS = ("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "kh", "ch", "tr", "br")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "ia")
_CODAS = ("", "", "n", "r", "l", "s", "m", "d", "k")
_INDUSTRY = ("TRADING", "SHIPPING", "LOGISTICS", "INDUSTRIES", "ELECTRONICS", "PETROLEUM", "IMPORT EXPORT", "GROUP")


def _pseudo_word(rng: random.Random) -> str:
    syllables = rng.choice((2, 2, 3, 3, 4))
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)).upper()


def synthetic_entries(count: int = 100_000, seed: int = 11) -> list[ScreeningEntry]:
    """``count`` made-up listed parties (60 % persons, 40 % organisations) drawn from pools of pseudo-words."""
    rng = random.Random(seed)
    given = [_pseudo_word(rng) for _ in range(3_000)]
    surnames = [_pseudo_word(rng) for _ in range(30_000)]
    words = [_pseudo_word(rng) for _ in range(20_000)]
    entries = []
    for i in range(count):
        if rng.random() < 0.6:
            middle = f" {rng.choice(given)}" if rng.random() < 0.3 else ""
            name = f"{rng.choice(surnames)}, {rng.choice(given)}{middle}"
            kind = EntryKind.PERSON
        else:
            core = " ".join(rng.choice(words) for _ in range(rng.choice((1, 2, 2, 3))))
            name = f"{core} {rng.choice(_INDUSTRY)} {rng.choice(_LEGAL_FORMS)}"
            kind = EntryKind.ORGANIZATION
        entries.append(ScreeningEntry(id=f"SYN-{i:06d}", kind=kind, names=(name,), source="synthetic"))
    return entries
