"""Typed watch lists (identifiers, names, addresses, phones, e-mails, countries), the allow list, and profiles that
combine "on a watch list" with other indicators. Every case is assessed by both evaluators, which must agree."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from risk_helpers import both, ind, profile

from builders import consignment_data
from cts.domain.model import Consignment
from cts.domain.risk.rules import AllowEntry, Ruleset, WatchlistEntry


def entry(kind: str, value: str, ident: str = "w1", **fields: Any) -> WatchlistEntry:
    return WatchlistEntry.model_validate(
        {"id": ident, "kind": kind, "value": value, "reason": "intelligence", "category": "drugs", **fields}
    )


def allow(kind: str, value: str, ident: str = "a1", **fields: Any) -> AllowEntry:
    return AllowEntry.model_validate({"id": ident, "kind": kind, "value": value, "reason": "audited trader", **fields})


def consignment(**overrides: Any) -> Consignment:
    data = consignment_data(**overrides)
    data["provenance"] = {"object_key": "k", "source_format": "json"}
    return Consignment.model_validate(data)


def rules(*entries: WatchlistEntry, allowed: tuple[AllowEntry, ...] = (), **extra: Any) -> Ruleset:
    return Ruleset(version="r1", watchlist=entries, allow_list=allowed, **extra)


def party(role: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"role": role, "name": name, "country": "JM", **fields}


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("container", "CSQU3054384", "ISO 6346"),
        ("vessel", "IMO 9074728", "IMO ship identification"),
        ("port", "KINGSTON", "UN/LOCODE"),
        ("country", "JAM", "alpha-2"),
        ("email", "not-an-address", "e-mail"),
        ("phone", "12-34", "7 digits"),
        ("hs_code", "82AB", "HS code"),
    ],
)
def test_a_listed_identifier_with_a_wrong_check_digit_or_shape_is_rejected_when_written(
    kind: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        entry(kind, value)


def test_containers_and_vessels_match_in_any_formatting() -> None:
    c = consignment()  # container CSQU3054383, vessel IMO 9074729
    result = both(c, ruleset=rules(entry("container", "csqu 305438-3", "w1"), entry("vessel", "IMO 9074729", "w2")))
    assert [(h.ref, h.matched) for h in result.hits] == [("w1", "CSQU3054383"), ("w2", "9074729")]


def test_phone_numbers_match_whatever_the_international_prefix() -> None:
    c = consignment(parties=[party("consignee", "Blue Mountain Hardware", phone="(876) 555-0100")])
    result = both(c, ruleset=rules(entry("phone", "+1 876 555 0100")))
    assert [h.ref for h in result.hits] == ["w1"]
    assert result.hits[0].fact == "party_phones"


def test_e_mail_addresses_match_case_blind_and_a_domain_entry_lists_the_whole_domain() -> None:
    c = consignment(parties=[party("consignee", "Blue Mountain Hardware", email="Sales@Reef.Example")])
    result = both(c, ruleset=rules(entry("email", "sales@reef.example", "w1"), entry("email", "@reef.example", "w2")))
    assert [h.ref for h in result.hits] == ["w1", "w2"]
    other = consignment(parties=[party("consignee", "Blue Mountain Hardware", email="ops@reef.example.org")])
    assert both(other, ruleset=rules(entry("email", "@reef.example", "w2"))).hits == ()


def test_a_listed_country_matches_the_route_or_a_party() -> None:
    c = consignment()  # loads in NL, parties in NL and JM
    assert [h.matched for h in both(c, ruleset=rules(entry("country", "nl"))).hits] == ["NL"]


def test_company_entries_are_screened_as_organisations_whatever_the_legal_form() -> None:
    c = consignment(parties=[party("consignor", "SHADOW REEF TRADING (HK) CO., LIMITED")])
    result = both(c, ruleset=rules(entry("company", "Shadow Reef Trading Ltd", weight=50)))
    (hit,) = result.hits
    assert hit.ref == "w1"
    assert 40 <= hit.points <= 50
    assert "company on watch list" in hit.reason


def test_person_entries_match_whatever_the_name_order() -> None:
    c = consignment(parties=[party("notify_party", "Maria Lopez")])
    (hit,) = both(c, ruleset=rules(entry("person", "LOPEZ, Maria"))).hits
    assert hit.matched == "maria lopez"
    assert hit.points >= 90


def test_addresses_are_screened_fuzzily() -> None:
    c = consignment(
        parties=[party("consignee", "Blue Mountain Hardware", address_lines=["12 Harbor St"], city="Kingston")]
    )
    result = both(c, ruleset=rules(entry("address", "12 Harbour Street, Kingston")))
    assert [h.fact for h in result.hits] == ["party_addresses"]


def test_an_allow_list_entry_suppresses_the_hit_and_says_why() -> None:
    c = consignment(parties=[party("consignor", "Shadow Reef Trading Limited")])
    listed = entry("company", "Shadow Reef Trading")
    result = both(c, ruleset=rules(listed, allowed=(allow("company", "SHADOW REEF TRADING LTD"),)))
    assert result.hits == ()
    assert result.score == 0
    (suppressed,) = result.suppressed
    assert (suppressed.hit.ref, suppressed.allow_id, suppressed.reason) == ("w1", "a1", "audited trader")


def test_an_allow_list_entry_only_suppresses_the_entries_it_names_and_only_while_valid() -> None:
    c = consignment()
    listed = (entry("container", "CSQU3054383", "w1"), entry("vessel", "9074729", "w2"))
    narrow = allow("container", "CSQU3054383", suppresses=("w9",))
    assert [h.ref for h in both(c, ruleset=rules(*listed, allowed=(narrow,))).hits] == ["w1", "w2"]
    expired = allow("container", "CSQU3054383", valid_to=date(2026, 1, 1))
    assert [h.ref for h in both(c, ruleset=rules(*listed, allowed=(expired,))).hits] == ["w1", "w2"]
    vouched = allow("container", "CSQU 305438-3", suppresses=("w1",))
    assert [h.ref for h in both(c, ruleset=rules(*listed, allowed=(vouched,))).hits] == ["w2"]


def test_a_profile_can_require_a_watch_list_hit_together_with_a_route() -> None:
    combined = profile(
        ind("listed", 30, fact="watchlist_kinds", op="in", values=["container"]),
        ind("from_nl", 30, fact="loading_countries", op="in", values=["NL"]),
        match={"all": ["listed", "from_nl"]},
        threshold=None,
    )
    c = consignment()
    listed = entry("container", "CSQU3054383", weight=20)
    result = both(c, ruleset=rules(listed, profiles=(combined,)))
    assert result.profiles_matched == ("p",)
    assert result.score == 80  # 30 + 30 from the profile, 20 from the entry itself
    silenced = both(c, ruleset=rules(listed, allowed=(allow("container", "CSQU3054383"),), profiles=(combined,)))
    assert silenced.profiles_matched == ()
    assert silenced.score == 0
