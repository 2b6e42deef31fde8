"""The compiled evaluator gives exactly the reference evaluator's assessments on random rules and consignments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import ETA, consignment_data
from cts.domain.model import Consignment
from cts.domain.risk.engine import assess_facts, compile_ruleset
from cts.domain.risk.facts import ALL_FACTS, PartyHistory, extract_facts
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import AllowEntry, Profile, RandomSelection, Ruleset, WatchlistEntry

TODAY = date(2026, 11, 25)
COUNTRIES = ["NL", "CO", "EC", "JM", "PA", "CN"]
LOCODES = ["NLRTM", "COBUN", "ECGYE", "JMKIN", "PAPTY", "CNSHA"]
HS = ["820559", "080390", "854231", "852610", "08", "9999"]
WORDS = ["hand", "tools", "bananas", "fresh", "fruit", "Café", "chips", "cocaine", "of"]
NAMES = ["Tulip Tools BV", "Shadow Reef Trading", "Blue Mountain Hardware", "Café Andino SA"]
CONTAINERS = ["CSQU3054383", "MSKU1234565", "TGHU0000008"]
ADDRESSES = ["12 Harbour Street Kingston", "Calle 5 No 10-20 Buenaventura", "1 Dock Road Rotterdam"]
PHONES = ["+1 876 555 0100", "(876) 555-0100", "+57 2 241 0000"]
EMAILS = ["ops@tulip.example", "SALES@Reef.example", "info@cafe.example"]
IMOS = ["9074729", "9176187"]
TEXT_POOLS: dict[str, list[str]] = {
    "mode": ["sea", "air", "SEA"],
    "direction": ["import", "export"],
    "carrier": ["TSTU", "DMLU", "tstu"],
    "ports": LOCODES,
    "place_of_loading": LOCODES,
    "countries": COUNTRIES,
    "loading_countries": COUNTRIES,
    "hs_codes": HS,
    "party_names": [n.lower() for n in NAMES],
    "container_numbers": CONTAINERS,
    "quality_codes": ["LATE_FILING", "WEIGHT_MISMATCH"],
    "document_kind": ["master_bill", "house_bill"],
    "first_shipment_shipper_to_consignee": ["yes", "no"],
    "watchlist_kinds": ["party", "container", "company", "phone"],
    "watchlist_categories": ["c", "d"],
}
NUMERIC = ["gross_weight_kg", "package_count", "declared_value", "weight_per_package_kg", "value_per_kg"]
BOUNDS = st.sampled_from([None, 0.0, 1.0, 5.0, 25.0, 100.0, 250.0, 1000.0])

phrase = st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join)


@st.composite
def indicator(draw: st.DrawFn, ident: str) -> dict[str, Any]:
    op = draw(
        st.sampled_from(
            [
                *("in", "equals", "prefix", "keyword", "regex", "range", "ratio", "lead_time_hours", "country_of"),
                *("exists", "missing"),
            ]
        )
    )
    base: dict[str, Any] = {"id": ident, "description": f"d-{ident}", "op": op, "weight": draw(st.integers(1, 60))}
    if op in ("in", "equals"):
        fact = draw(st.sampled_from(sorted(TEXT_POOLS)))
        values = draw(st.lists(st.sampled_from(TEXT_POOLS[fact]), min_size=1, max_size=3))
        return {**base, "fact": fact, "values": values}
    if op == "prefix":
        fact, pool = draw(
            st.sampled_from([("hs_codes", ["8", "82", "8205", "08", "0803", "99"]), ("ports", COUNTRIES)])
        )
        return {**base, "fact": fact, "values": draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))}
    if op == "keyword":
        fact = draw(st.sampled_from(["goods_text", "party_names", "consignee_name"]))
        return {**base, "fact": fact, "values": draw(st.lists(phrase, min_size=1, max_size=3))}
    if op == "regex":
        fact, pool = draw(
            st.sampled_from(
                [("goods_text", ["ban+", "t[o]+ls", "^hand", "fruit$", "x*"]), ("container_numbers", ["^CSQU", "5$"])]
            )
        )
        return {**base, "fact": fact, "values": draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2))}
    if op in ("range", "ratio"):
        low, high = draw(BOUNDS), draw(BOUNDS)
        if low is None and high is None:
            low = 1.0
        if low is not None and high is not None and low > high:
            low, high = high, low
        fields = {"fact": draw(st.sampled_from(NUMERIC)), "min": low, "max": high}
        if op == "ratio":
            fields["per"] = draw(st.sampled_from(NUMERIC))
        return {**base, **{k: v for k, v in fields.items() if v is not None}}
    if op == "lead_time_hours":
        return {**base, "hours": draw(st.sampled_from([1, 12, 24, 48, 200]))}
    if op == "country_of":
        roles = draw(
            st.lists(st.sampled_from(["origin", "loading", "transshipment", "routing"]), min_size=1, unique=True)
        )
        return {**base, "of": roles, "values": draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3))}
    return {**base, "fact": draw(st.sampled_from(ALL_FACTS))}


def match_rule(ids: list[str]) -> st.SearchStrategy[Any]:
    def nest(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        items = st.lists(children, min_size=1, max_size=3)
        return st.one_of(
            items.map(lambda xs: {"all": xs}),
            items.map(lambda xs: {"any": xs}),
            items.flatmap(lambda xs: st.integers(1, len(xs)).map(lambda n: {"at_least": n, "of": xs})),
        )

    return st.recursive(st.sampled_from(ids), nest, max_leaves=6)


@st.composite
def profiles(draw: st.DrawFn, n: int) -> Profile:
    count = draw(st.integers(1, 4))
    ids = [f"i{k}" for k in range(count)]
    inds = [draw(indicator(i)) for i in ids]
    threshold = draw(st.one_of(st.none(), st.integers(1, 100)))
    match = draw(match_rule(ids)) if threshold is None else draw(st.one_of(st.none(), match_rule(ids)))
    scope = draw(
        st.sampled_from(
            [{}, {"modes": ["sea"]}, {"modes": ["air"]}, {"ports": ["JMKIN", "PAPTY"]}, {"carriers": ["X"]}]
        )
    )
    return Profile.model_validate(
        {
            "id": f"p{n}",
            "version": draw(st.integers(1, 3)),
            "name": "n",
            "category": draw(st.sampled_from(["drugs", "revenue"])),
            "status": draw(st.sampled_from(["active", "active", "active", "draft", "retired"])),
            "author": "a",
            "valid_to": draw(st.sampled_from([None, None, "2026-01-01", "2027-01-01"])),
            "scope": scope,
            "threshold": threshold,
            "match": match,
            "indicators": inds,
        }
    )


LISTED_POOLS: list[tuple[str, list[str]]] = [
    ("party", NAMES),
    ("company", [*NAMES, "Tulip Tools"]),
    ("person", ["Maria Lopez", "LOPEZ, Maria", "John Smith"]),
    ("address", [*ADDRESSES, "12 Harbor St, Kingston"]),
    ("phone", [*PHONES, "001 876 5550100"]),
    ("email", [*EMAILS, "@reef.example", "ops@TULIP.example"]),
    ("container", [*CONTAINERS, "MSKU 123456-5"]),
    ("vessel", ["IMO 9074729", "9176187"]),
    ("hs_code", ["82", "0803", "8542"]),
    ("port", LOCODES),
    ("country", COUNTRIES),
]


@st.composite
def watch_entries(draw: st.DrawFn, n: int) -> WatchlistEntry:
    kind, pool = draw(st.sampled_from(LISTED_POOLS))
    return WatchlistEntry.model_validate(
        {
            "id": f"w{n}",
            "kind": kind,
            "value": draw(st.sampled_from(pool)),
            "reason": "r",
            "category": draw(st.sampled_from(["c", "d"])),
            "source": "s",
            "weight": draw(st.integers(1, 100)),
            "valid_to": draw(st.sampled_from([None, "2026-01-01"])),
        }
    )


@st.composite
def allow_entries(draw: st.DrawFn, n: int, watched: int) -> AllowEntry:
    kind, pool = draw(st.sampled_from(LISTED_POOLS))
    return AllowEntry.model_validate(
        {
            "id": f"a{n}",
            "kind": kind,
            "value": draw(st.sampled_from(pool)),
            "reason": "known good",
            "suppresses": draw(st.lists(st.sampled_from([f"w{k}" for k in range(max(watched, 1))]), max_size=1)),
            "valid_to": draw(st.sampled_from([None, "2026-01-01"])),
        }
    )


@st.composite
def rulesets(draw: st.DrawFn) -> Ruleset:
    ps = [draw(profiles(n)) for n in range(draw(st.integers(0, 8)))]
    ws = [draw(watch_entries(n)) for n in range(draw(st.integers(0, 5)))]
    allow = [draw(allow_entries(n, len(ws))) for n in range(draw(st.integers(0, 2)))]
    rs = [RandomSelection(id="rs", rate=draw(st.sampled_from([0.0, 0.3, 1.0])))] if draw(st.booleans()) else []
    return Ruleset(
        version=draw(st.sampled_from(["r1", "r2"])),
        profiles=tuple(ps),
        watchlist=tuple(ws),
        allow_list=tuple(allow),
        random_selection=tuple(rs),
    )


@st.composite
def consignments(draw: st.DrawFn) -> Consignment:
    places = st.sampled_from(LOCODES).map(lambda code: {"locode": code})
    goods = [
        {
            "sequence": k + 1,
            "description": " ".join(draw(st.lists(st.sampled_from([*WORDS, "HAND-TOOLS", "Bananas!"]), max_size=6))),
            "hs_code": draw(st.one_of(st.none(), st.sampled_from(HS))),
            "package_count": draw(st.one_of(st.none(), st.integers(0, 50))),
            "gross_weight_kg": draw(st.one_of(st.none(), st.sampled_from(["0", "1", "250", "1000.5"]))),
            "value": draw(st.one_of(st.none(), st.sampled_from(["0", "100", "5000"]))),
            "container_numbers": draw(st.lists(st.sampled_from(CONTAINERS), max_size=2)),
        }
        for k in range(draw(st.integers(0, 3)))
    ]
    parties = [
        {
            "role": role,
            "name": draw(st.sampled_from([*NAMES, "Maria Lopez", "Tulip Tools B.V."])),
            "country": draw(st.sampled_from(COUNTRIES)),
            "address_lines": draw(st.lists(st.sampled_from(ADDRESSES), max_size=1)),
            "phone": draw(st.one_of(st.none(), st.sampled_from(PHONES))),
            "email": draw(st.one_of(st.none(), st.sampled_from(EMAILS))),
        }
        for role in draw(st.lists(st.sampled_from(["consignor", "consignee", "notify_party"]), unique=True))
    ]
    filed = draw(st.one_of(st.none(), st.sampled_from([1, 10, 30, 100, 500]).map(lambda h: ETA - timedelta(hours=h))))
    data = consignment_data(
        draw(st.sampled_from(["TSTU0000001", "TSTU0000002", "ABC"])),
        mode=draw(st.sampled_from(["sea", "air"])),
        carrier={"code": draw(st.sampled_from(["TSTU", "DMLU"]))},
        itinerary={
            "place_of_loading": draw(places),
            "transshipment": draw(st.lists(places, max_size=2)),
            "place_of_discharge": draw(places),
            "routing_countries": draw(st.lists(st.sampled_from(COUNTRIES), max_size=2)),
        },
        parties=parties,
        goods=goods,
        conveyance={"journey_id": "1", "imo_number": draw(st.one_of(st.none(), st.sampled_from(IMOS)))},
        filed_at=filed.isoformat() if filed else None,
    )
    data["provenance"] = {"object_key": "k", "source_format": "json"}
    return Consignment.model_validate(data)


histories = st.one_of(
    st.none(),
    st.builds(
        PartyHistory,
        first_shipment_shipper_to_consignee=st.one_of(st.none(), st.booleans()),
        consignee_known_days=st.one_of(st.none(), st.integers(0, 400)),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rulesets(), st.lists(st.tuples(consignments(), histories), min_size=1, max_size=4))
def test_compiled_and_reference_evaluators_agree(ruleset: Ruleset, batch: list[tuple[Consignment, Any]]) -> None:
    thresholds = Thresholds(alert=40, red=90)
    compiled = compile_ruleset(ruleset)
    for c, history in batch:
        facts = extract_facts(c, history)
        expected = assess_facts(c.key, 3, facts, ruleset, thresholds, TODAY)
        assert compiled.assess_facts(c.key, 3, facts, thresholds, TODAY) == expected
        assert expected.score == sum(h.points for h in expected.hits)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(phrase, min_size=1, max_size=4), min_size=1, max_size=6),
    st.lists(st.sampled_from([*WORDS, "HAND-TOOLS", "fresh fruit", "Cafe"]), max_size=12),
    st.lists(st.sampled_from(["8", "82", "8205", "08", "0803", "854"]), min_size=1, max_size=3),
)
def test_keywords_and_prefixes_agree(keyword_sets: list[list[str]], words: list[str], prefixes: list[str]) -> None:
    profiles_ = [
        Profile.model_validate(
            {
                "id": f"k{n}",
                "version": 1,
                "name": "n",
                "category": "c",
                "status": "active",
                "author": "a",
                "threshold": 1,
                "indicators": [
                    {
                        "id": "kw",
                        "description": "d",
                        "fact": "goods_text",
                        "op": "keyword",
                        "values": values,
                        "weight": 3,
                    },
                    {
                        "id": "hs",
                        "description": "d",
                        "fact": "hs_codes",
                        "op": "prefix",
                        "values": prefixes,
                        "weight": 2,
                    },
                ],
            }
        )
        for n, values in enumerate(keyword_sets)
    ]
    ruleset = Ruleset(version="r", profiles=tuple(profiles_))
    goods = [{"sequence": 1, "description": " ".join(words), "hs_code": "820559"}, {"sequence": 2, "hs_code": "080390"}]
    data = consignment_data(goods=goods)
    data["provenance"] = {"object_key": "k", "source_format": "json"}
    facts = extract_facts(Consignment.model_validate(data))
    thresholds = Thresholds()
    expected = assess_facts("k", 1, facts, ruleset, thresholds, TODAY)
    assert compile_ruleset(ruleset).assess_facts("k", 1, facts, thresholds, TODAY) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(BOUNDS, BOUNDS, st.sampled_from(["range", "ratio", "lead"])), min_size=1, max_size=10),
    st.sampled_from(["1", "25", "250", "1000"]),
    st.sampled_from([1, 10, 25]),
    st.sampled_from([1, 5, 25, 100, 250]),
)
def test_numeric_operators_agree(bounds: list[tuple[Any, Any, str]], weight: str, packages: int, hours: int) -> None:
    indicators = []
    for n, (low, high, kind) in enumerate(bounds):
        low, high = (low, high) if low is None or high is None or low <= high else (high, low)
        if kind == "lead":
            fields: dict[str, Any] = {"op": "lead_time_hours", "hours": low or high or 1}
        else:
            fields = {"op": kind, "fact": "gross_weight_kg", "min": low if (low, high) != (None, None) else 1.0}
            fields.update({"max": high} if high is not None else {})
            fields.update({"per": "package_count"} if kind == "ratio" else {})
            fields = {k: v for k, v in fields.items() if v is not None}
        indicators.append({"id": f"i{n}", "description": "d", "weight": n + 1, **fields})
    profile_ = Profile.model_validate(
        {"id": "n", "version": 1, "name": "n", "category": "c", "status": "active", "author": "a"}
        | {"threshold": 1, "indicators": indicators}
    )
    ruleset = Ruleset(version="r", profiles=(profile_,))
    goods = [{"sequence": 1, "description": "x", "gross_weight_kg": weight, "package_count": packages}]
    data = consignment_data(goods=goods, filed_at=(ETA - timedelta(hours=hours)).isoformat())
    data["provenance"] = {"object_key": "k", "source_format": "json"}
    facts = extract_facts(Consignment.model_validate(data))
    expected = assess_facts("k", 1, facts, ruleset, Thresholds(), TODAY)
    assert compile_ruleset(ruleset).assess_facts("k", 1, facts, Thresholds(), TODAY) == expected
