"""The generated workload of the scoring benchmarks: profiles over the whole rule language and a consignment stream
drawn from the same vocabularies (so that some consignments hit), always the same for the same seed."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cts.domain.model import Consignment
from cts.domain.risk.rules import Profile

TODAY = date(2030, 1, 1)
ETA = datetime(2030, 1, 10, 6, tzinfo=UTC)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _Vocabulary:
    def __init__(self, rng: random.Random) -> None:
        self.countries = sorted({rng.choice(_LETTERS) + rng.choice(_LETTERS) for _ in range(400)})[:150]
        self.ports = [
            f"{rng.choice(self.countries)}{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}{i % 10}" for i in range(4000)
        ]
        self.carriers = [f"C{i:03d}" for i in range(80)]
        self.hs = [f"{rng.randint(1, 97):02d}{rng.randint(0, 99):02d}{rng.randint(0, 99):02d}" for _ in range(5000)]
        self.words = [
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(30000)
        ]
        self.names = [f"{rng.choice(self.words)} {rng.choice(self.words)} ltd" for _ in range(2000)]


_GENERIC = ["range", "ratio", "lead", "quality", "missing"]


def _indicator(rng: random.Random, v: _Vocabulary, ident: str, kind: str) -> dict[str, Any]:
    base: dict[str, Any] = {"id": ident, "description": f"indicator {ident}", "weight": rng.randint(10, 60)}
    if kind == "ports":
        return {**base, "fact": "ports", "op": "in", "values": rng.sample(v.ports, rng.randint(1, 5))}
    if kind == "countries":
        return {**base, "fact": "countries", "op": "in", "values": rng.sample(v.countries, rng.randint(1, 4))}
    if kind == "carrier":
        return {**base, "fact": "carrier", "op": "equals", "values": [rng.choice(v.carriers)]}
    if kind == "hs":
        values = [h[: rng.choice((4, 6))] for h in rng.sample(v.hs, rng.randint(1, 4))]
        return {**base, "fact": "hs_codes", "op": "prefix", "values": values}
    if kind == "keyword":
        phrases = [" ".join(rng.sample(v.words, rng.choice((1, 1, 2)))) for _ in range(rng.randint(1, 4))]
        return {**base, "fact": "goods_text", "op": "keyword", "values": phrases}
    if kind == "country_of":
        roles = rng.sample(["origin", "loading", "transshipment", "routing"], rng.randint(1, 2))
        return {**base, "op": "country_of", "of": roles, "values": rng.sample(v.countries, rng.randint(1, 3))}
    if kind == "regex":
        return {**base, "fact": "consignor_name", "op": "regex", "values": [rf"^{rng.choice(v.words)}\\b"]}
    if kind == "range":
        low = rng.choice((1000, 5000, 20000, 25000))
        return {**base, "fact": "gross_weight_kg", "op": "range", "min": low, "max": low * rng.choice((1.2, 2))}
    if kind == "ratio":
        lowest = rng.uniform(1, 60)
        return {
            **base,
            "fact": "gross_weight_kg",
            "per": "package_count",
            "op": "ratio",
            "min": lowest,
            "max": lowest + 2,
        }
    if kind == "lead":
        return {**base, "op": "lead_time_hours", "hours": rng.choice((2, 6, 12))}
    if kind == "missing":
        return {**base, "fact": "notify_party_name", "op": "missing"}
    return {**base, "fact": "quality_codes", "op": "in", "values": [rng.choice(("LATE_FILING", "WEIGHT_MISMATCH"))]}


def make_profiles(count: int, seed: int = 7, dense: bool = False) -> tuple[Profile, ...]:
    """``count`` active profiles. Selective (the default), like real targeting profiles: two specific indicators
    (a route and a commodity, words, or countries) that must both fire, refined by generic ones (weights, lead time,
    data quality); a few per cent of the flow matches. ``dense``: one specific indicator only, so that most
    consignments match something (a stress case for building hits)."""
    rng = random.Random(seed)
    v = _Vocabulary(random.Random(seed))
    profiles = []
    for n in range(count):
        if dense:
            specific = rng.choices(["ports", "hs", "keyword"], weights=[12, 16, 20])
        else:
            specific = [rng.choice(["ports", "countries", "country_of"]), rng.choice(["hs", "keyword", "keyword"])]
        if rng.random() < 0.1:  # a carrier or a name pattern narrows a route, never stands alone
            specific.append(rng.choice(["carrier", "regex"]))
        if dense and rng.random() < 0.4:
            specific.append(rng.choice(["countries", "country_of"]))
        kinds = specific + rng.choices(_GENERIC, k=rng.randint(1, 2))
        ids = [f"i{k}" for k in range(len(kinds))]
        indicators = [_indicator(rng, v, i, kind) for i, kind in zip(ids, kinds, strict=True)]
        for generic in indicators[len(specific) :]:
            generic["weight"] = rng.randint(5, 15)
        head = ids[: len(specific)]
        rest = ids[len(specific) :]
        rule: dict[str, Any]
        if rng.random() < 0.5:
            rule = {"match": {"all": [*head, {"at_least": 1, "of": rest}]}}
        else:
            rule = {"threshold": sum(i["weight"] for i in indicators[: len(specific)]), "match": {"all": head}}
        scope = {"modes": ["sea"]} if rng.random() < 0.2 else {}
        profiles.append(
            Profile.model_validate(
                {
                    "id": f"bench-{n:05d}",
                    "version": 1,
                    "name": f"bench profile {n}",
                    "category": rng.choice(("drugs", "revenue", "security", "ipr")),
                    "status": "active",
                    "author": "bench",
                    "scope": scope,
                    "indicators": indicators,
                    **rule,
                }
            )
        )
    return tuple(profiles)


def make_consignments(count: int, seed: int = 11) -> list[Consignment]:
    rng = random.Random(seed)
    v = _Vocabulary(random.Random(7))  # the rules' vocabularies: some consignments hit
    out = []
    for n in range(count):
        goods = [
            {
                "sequence": k + 1,
                "description": " ".join(rng.sample(v.words, rng.randint(2, 8))),
                "hs_code": rng.choice(v.hs),
                "package_count": rng.randint(1, 2000),
                "gross_weight_kg": str(rng.randint(10, 28000)),
                "container_numbers": [f"BNCU{rng.randint(0, 999999):06d}{rng.randint(0, 9)}"],
            }
            for k in range(rng.randint(1, 3))
        ]
        data = {
            "mode": rng.choice(("sea", "sea", "air")),
            "direction": "import",
            "transport_document": {"number": f"BENCH{n:08d}", "kind": "master_bill"},
            "carrier": {"code": rng.choice(v.carriers)},
            "itinerary": {
                "place_of_loading": {"locode": rng.choice(v.ports)},
                "transshipment": [{"locode": rng.choice(v.ports)} for _ in range(rng.randint(0, 2))],
                "place_of_discharge": {"locode": rng.choice(v.ports)},
            },
            "eta": ETA.isoformat(),
            "filed_at": (ETA - timedelta(hours=rng.choice((1, 5, 24, 48, 96)))).isoformat(),
            "parties": [
                {"role": "consignor", "name": rng.choice(v.names), "country": rng.choice(v.countries)},
                {"role": "consignee", "name": rng.choice(v.names), "country": rng.choice(v.countries)},
            ],
            "goods": goods,
            "provenance": {"object_key": "bench", "source_format": "json"},
        }
        out.append(Consignment.model_validate(data))
    return out
