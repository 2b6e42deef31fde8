"""Name normalisation for party screening.

``normalise(name)`` turns a raw party name into comparable tokens:

1. Unicode NFKC (full-width forms, ligatures, compatibility characters folded);
2. Arabic romanised with a basic table (:data:`ARABIC_LETTERS`: written long vowels kept, definite article ``ال``
   split off as ``al`` so that it becomes its own token as in Latin spellings);
3. transliteration to ASCII with ``anyascii`` (Cyrillic, Greek, Hebrew, CJK, accents...): CJK ideographs are
   transliterated one syllable per token (``北京`` -> ``bei jing``);
4. case fold; apostrophes dropped inside words (``INT'L`` -> ``intl``); dotted initialisms joined (``S.A.R.L.`` ->
   ``sarl``, ``L.L.C.`` -> ``llc``); ``&`` -> ``and``; every other punctuation is a separator;
5. abbreviations expanded (:data:`ABBREVIATIONS`);
6. legal-form words (:data:`LEGAL_FORMS`) moved out of the tokens into ``legal_forms``, canonicalised (``limited`` ->
   ``ltd``), so that organisations are compared on their distinctive words and the legal form only discounts.
   A legal-form word is only removed when it is not the first token (``CO-OP BANK`` keeps ``co``; ``AB`` alone stays),
   except for forms written before the name (:data:`LEADING_FORMS`: ``OOO ROMASHKA``, ``PT BANK MANDIRI``).

The result is a :class:`NormalisedName` with ``tokens`` in the original order and ``key``, the sorted tokens joined,
for order-independent comparison.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

# Legal forms and the canonical spelling they are compared under. Words that carry meaning in a name (TRADING,
# GROUP, HOLDING, INTERNATIONAL, INDUSTRIES, ENTERPRISE...) are deliberately NOT legal forms.
LEGAL_FORMS: dict[str, str] = {
    "ltd": "ltd",
    "limited": "ltd",
    "llc": "llc",
    "co": "co",
    "company": "co",
    "corp": "corp",
    "corporation": "corp",
    "inc": "inc",
    "incorporated": "inc",
    "gmbh": "gmbh",
    "ag": "ag",
    "sa": "sa",
    "sarl": "sarl",
    "sas": "sas",
    "srl": "srl",
    "spa": "spa",
    "bv": "bv",
    "nv": "nv",
    "oy": "oy",
    "oyj": "oy",
    "ab": "ab",
    "as": "as",
    "asa": "as",
    "plc": "plc",
    "pte": "pte",
    "pvt": "pvt",
    "pty": "pty",
    "llp": "llp",
    "lp": "lp",
    "kg": "kg",
    "ooo": "ooo",
    "zao": "zao",
    "oao": "oao",
    "pao": "pao",
    "ao": "ao",
    "fze": "fze",
    "fzco": "fzco",
    "fzc": "fzc",
    "fzllc": "fzllc",
    "jsc": "jsc",
    "cjsc": "jsc",
    "ojsc": "jsc",
    "pjsc": "jsc",
    "sdn": "sdn",
    "bhd": "bhd",
    "tbk": "tbk",
    "kk": "kk",
    "sl": "sl",
    "sac": "sac",
    "cv": "cv",
    "de": "de",
    "pt": "pt",
}
# ``de`` only counts as a legal form in ``S.A. DE C.V.`` style tails: see _split_legal_forms.
_TAIL_ONLY = frozenset({"de", "cv", "sl", "as", "ao", "sa", "pt"})
# Legal forms written before the name (``OOO ROMASHKA``, ``PT BANK MANDIRI``): moved out when the name goes on.
LEADING_FORMS = frozenset({"ooo", "zao", "oao", "pao", "ao", "jsc", "cjsc", "ojsc", "pjsc", "pt", "tov"})

ABBREVIATIONS: dict[str, str] = {
    "intl": "international",
    "mfg": "manufacturing",
    "mfrs": "manufacturers",
    "ind": "industries",
    "inds": "industries",
    "indus": "industries",
    "svc": "service",
    "svcs": "services",
    "serv": "services",
    "bros": "brothers",
    "natl": "national",
    "assn": "association",
    "assoc": "association",
    "mgmt": "management",
    "hldg": "holding",
    "hldgs": "holdings",
    "grp": "group",
    "trdg": "trading",
    "tech": "technology",
    "engg": "engineering",
    "shpg": "shipping",
    "imp": "import",
    "exp": "export",
    "ent": "enterprise",
    "mohd": "mohammed",
}

# Jurisdiction markers that often sit inside a legal-form tail: ``... (HK) CO., LIMITED``, ``... (PVT) LTD``.
JURISDICTIONS = frozenset({"hk", "uk", "us", "usa", "sg", "bvi", "prc", "cn", "pk", "in", "my", "ae", "uae"})

_TAIL_WORDS = JURISDICTIONS | {"and"}
# Chinese legal forms as they come out of transliteration (有限公司, 股份有限公司, 公司).
_PINYIN_FORMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("gu", "fen", "you", "xian", "gong", "si"), "ltd"),
    (("you", "xian", "gong", "si"), "ltd"),
    (("gong", "si"), "co"),
)

_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])")
_ARABIC_ARTICLE = re.compile(r"(?<![\u0600-\u06ff])\u0627\u0644(?=[\u0600-\u06ff]{2})")
_INITIALISM = re.compile(r"\b(?:[a-z]\.){2,}(?:[a-z]\b)?")
_SLASHED = re.compile(r"\b([a-z])/([a-z])\b")
_APOSTROPHE = re.compile("(?<=[a-z])['\u2019`\u00b4](?=[a-z])")
_SEPARATOR = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class NormalisedName:
    """A name made comparable: ``tokens`` in their original order, legal forms apart, ``key`` order-free."""

    original: str
    tokens: tuple[str, ...]
    legal_forms: tuple[str, ...]

    @property
    def key(self) -> str:
        return " ".join(sorted(self.tokens))

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


# Basic Arabic romanisation, applied before anyascii (which drops alif and ain and so loses every written vowel):
# long vowels and hamza seats become vowels, ta marbuta and alif maqsura ``a``, ain ``a``; short-vowel marks and
# tatweel are dropped. Waw and ya are consonants (w, y) at the start of a word and vowels (u, i) inside it.
ARABIC_LETTERS: dict[str, str] = {
    "\u0627": "a",  # alif
    "\u0623": "a",  # alif with hamza above
    "\u0625": "i",  # alif with hamza below
    "\u0622": "a",  # alif madda
    "\u0671": "a",  # alif wasla
    "\u0628": "b",
    "\u062a": "t",
    "\u062b": "th",
    "\u062c": "j",
    "\u062d": "h",
    "\u062e": "kh",
    "\u062f": "d",
    "\u0630": "dh",
    "\u0631": "r",
    "\u0632": "z",
    "\u0633": "s",
    "\u0634": "sh",
    "\u0635": "s",
    "\u0636": "d",
    "\u0637": "t",
    "\u0638": "z",
    "\u0639": "a",  # ain
    "\u063a": "gh",
    "\u0641": "f",
    "\u0642": "q",
    "\u0643": "k",
    "\u0644": "l",
    "\u0645": "m",
    "\u0646": "n",
    "\u0647": "h",
    "\u0648": "u",  # waw inside a word
    "\u064a": "i",  # ya inside a word
    "\u0649": "a",  # alif maqsura
    "\u0629": "a",  # ta marbuta
    "\u0621": "",  # hamza
    "\u0626": "",  # ya with hamza
    "\u0624": "",  # waw with hamza
    "\u0640": "",  # tatweel
    "\u067e": "p",  # Persian/Urdu pe
    "\u0686": "ch",  # che
    "\u06af": "g",  # gaf
    "\u06a9": "k",  # keheh
    "\u06cc": "i",  # Farsi ya
    **{chr(c): "" for c in range(0x064B, 0x0653)},  # harakat: fathatan .. sukun, shadda
}
_ARABIC_TABLE = str.maketrans(ARABIC_LETTERS)
_ARABIC_INITIAL_WAW = re.compile(r"(?<![\u0620-\u064a])\u0648")
_ARABIC_INITIAL_YA = re.compile(r"(?<![\u0620-\u064a])[\u064a\u06cc]")


def romanise_arabic(text: str) -> str:
    """Arabic (and basic Persian) letters to Latin with :data:`ARABIC_LETTERS`; other characters untouched."""
    text = _ARABIC_ARTICLE.sub("al ", text)
    text = _ARABIC_INITIAL_WAW.sub("w", text)
    text = _ARABIC_INITIAL_YA.sub("y", text)
    return text.translate(_ARABIC_TABLE)


def transliterate(text: str) -> str:
    """NFKC, Arabic romanised (article split off), then ASCII transliteration (one token per CJK syllable)."""
    if text.isascii():
        return text  # every step below leaves ASCII text as it is
    text = unicodedata.normalize("NFKC", text)
    text = romanise_arabic(text)
    text = _CJK.sub(r" \1 ", text)
    return anyascii(text)


def fold(text: str) -> str:
    """Transliterate and case-fold, with punctuation handled so that only ``[a-z0-9 ]`` remains."""
    lowered = transliterate(text).casefold()
    # Each substitution only runs when its trigger character is there (most names have none of them).
    if "'" in lowered or "`" in lowered or "\u2019" in lowered or "\u00b4" in lowered:
        lowered = _APOSTROPHE.sub("", lowered)
    if "/" in lowered:
        lowered = _SLASHED.sub(r"\1\2", lowered)
    if "." in lowered:
        lowered = _INITIALISM.sub(lambda m: m.group(0).replace(".", "") + " ", lowered)
    lowered = lowered.replace("&", " and ").replace("+", " and ")
    return _SEPARATOR.sub(" ", lowered).strip()


def _split_legal_forms(words: list[str]) -> tuple[list[str], list[str]]:
    """Move the legal-form tail (``... CO LTD``, ``... (HK) CO LIMITED``, ``... SA DE CV``) and stray forms out."""
    for syllables, form in _PINYIN_FORMS:
        if len(words) > len(syllables) and tuple(words[-len(syllables) :]) == syllables:
            words = [*words[: -len(syllables)], form]
            break
    start = len(words)
    while start > 1 and (words[start - 1] in LEGAL_FORMS or words[start - 1] in _TAIL_WORDS):
        start -= 1
    while start < len(words) and words[start] == "and":
        start += 1
    tail = [w for w in words[start:] if w != "and"]
    if not any(w in LEGAL_FORMS for w in tail):
        start, tail = len(words), []
    tokens: list[str] = []
    forms: list[str] = []
    first = 0
    while first < start - 1 and words[first] in LEADING_FORMS:
        forms.append(LEGAL_FORMS.get(words[first], words[first]))
        first += 1
    for i, word in enumerate(words[first:start]):
        canonical = LEGAL_FORMS.get(word)
        if canonical is None or i == 0 or word in _TAIL_ONLY:
            tokens.append(word)
        else:
            forms.append(canonical)
    forms.extend(LEGAL_FORMS.get(w, w) for w in tail)
    return tokens, forms


@lru_cache(maxsize=65_536)
def normalise(name: str) -> NormalisedName:
    """Normalise a party name (see the module documentation for the steps)."""
    words = [ABBREVIATIONS.get(w, w) for w in fold(name).split()]
    tokens, forms = _split_legal_forms(words)
    return NormalisedName(original=name, tokens=tuple(tokens), legal_forms=tuple(forms))


_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("sch", "x"),
    ("tch", "x"),
    ("ph", "f"),
    ("sh", "x"),
    ("ch", "x"),
    ("zh", "j"),
    ("kh", "k"),
    ("gh", "k"),
    ("th", "t"),
    ("dh", "t"),
    ("dj", "j"),
    ("ck", "k"),
    ("ou", "u"),
)
_PHONETIC_LETTERS = str.maketrans(
    {
        "b": "p",
        "d": "t",
        "g": "k",
        "q": "k",
        "c": "k",
        "z": "s",
        "v": "f",
        "w": "",
        "h": "",
        "y": "",
        "a": "",
        "e": "",
        "i": "",
        "o": "",
        "u": "",
    }
)


@lru_cache(maxsize=262_144)
def phonetic_key(token: str) -> str:
    """A consonant-skeleton key: spelling variants of one sound share it (``mohammed``, ``muhammad``, ``mhmd``).

    Digraphs are folded (``sh``/``ch``/``sch`` -> ``x``, ``ph`` -> ``f``, ``kh``/``gh`` -> ``k``, ``th``/``dh`` ->
    ``t``), voiced and unvoiced pairs merged (b/p, d/t, g/k/q/c, z/s, v/f), vowels, ``h``, ``w`` and ``y`` dropped
    (a leading vowel is kept as ``a``), and repeated letters collapsed. Digits are kept as they are.
    """
    if not token:
        return ""
    word = token
    for old, new in _PHONETIC_RULES:
        word = word.replace(old, new)
    head = "a" if word[0] in "aeiouy" else ""
    skeleton = word.translate(_PHONETIC_LETTERS)
    out: list[str] = []
    for ch in skeleton:
        if not out or out[-1] != ch:
            out.append(ch)
    return head + "".join(out)
