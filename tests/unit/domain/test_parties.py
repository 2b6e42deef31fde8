"""Party history facts from first sightings, and alerts for random selections (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from builders import make_consignment
from cts.domain.alerts import should_alert
from cts.domain.parties import PartyPair, PartySightings, Sighting, party_history
from cts.domain.risk.engine import Assessment, Level
from cts.domain.risk.facts import PartyHistory

TODAY = date(2026, 11, 25)
PAIR = PartyPair(shipper="tulip tools bv", consignee="blue mountain hardware")


def test_a_pair_holds_the_normalised_consignor_and_consignee_names() -> None:
    c = make_consignment(
        parties=[
            {"role": "consignor", "name": "  Société Générale d'Export S.A.", "country": "FR"},
            {"role": "consignee", "name": "BLUE-MOUNTAIN Hardware", "country": "JM"},
            {"role": "notify_party", "name": "Someone Else", "country": "JM"},
        ]
    )
    assert PartyPair.of(c) == PartyPair(shipper="societe generale d export s a", consignee="blue mountain hardware")
    assert PartyPair.of(c).complete


@pytest.mark.parametrize(
    ("parties", "expected"),
    [
        ([{"role": "consignee", "name": "Blue Mountain Hardware"}], PartyPair(None, "blue mountain hardware")),
        ([{"role": "consignor", "name": "Tulip Tools BV"}], PartyPair("tulip tools bv", None)),
        ([], PartyPair(None, None)),
        (  # nothing left to compare after normalisation: unknown, not an empty name shared by everybody
            [{"role": "consignor", "name": "Tulip"}, {"role": "consignee", "name": "---"}],
            PartyPair("tulip", None),
        ),
    ],
)
def test_a_missing_or_unreadable_party_is_unknown(parties: list[dict[str, str]], expected: PartyPair) -> None:
    pair = PartyPair.of(make_consignment(parties=parties))
    assert pair == expected
    assert not pair.complete


def test_names_in_other_scripts_are_transliterated_not_lost() -> None:
    parties = [
        {"role": "consignor", "name": "\u041e\u041e\u041e \u0420\u043e\u043c\u0430\u0448\u043a\u0430"},
        {"role": "consignee", "name": "東方貿易"},
    ]
    assert PartyPair.of(make_consignment(parties=parties)) == PartyPair("ooo romashka", "dongfangmaoyi")


def test_never_seen_parties_make_a_first_shipment_to_a_new_consignee() -> None:
    assert party_history("k1", PAIR, PartySightings(), TODAY) == PartyHistory(True, 0)


def test_the_consignment_seen_first_stays_first_when_scored_again() -> None:
    first = Sighting(first_key="k1", first_seen=date(2026, 11, 1))
    seen = PartySightings(consignee=first, pair=first)
    assert party_history("k1", PAIR, seen, TODAY) == PartyHistory(True, 0)
    assert party_history("k2", PAIR, seen, TODAY) == PartyHistory(False, 24)


def test_a_known_consignee_with_a_new_shipper_is_a_first_shipment_of_that_pair() -> None:
    seen = PartySightings(consignee=Sighting("k0", date(2026, 1, 1)), pair=None)
    assert party_history("k1", PAIR, seen, TODAY) == PartyHistory(True, 328)


def test_days_never_go_negative_when_a_sighting_is_dated_after_today() -> None:
    seen = PartySightings(consignee=Sighting("k0", date(2026, 11, 26)))
    assert party_history("k1", PAIR, seen, TODAY).consignee_known_days == 0


def test_unknown_parties_give_unknown_facts() -> None:
    no_shipper = PartyPair(None, "blue mountain hardware")
    seen = PartySightings(consignee=Sighting("k0", date(2026, 11, 20)))
    assert party_history("k1", no_shipper, seen, TODAY) == PartyHistory(None, 5)
    assert party_history("k1", PartyPair("tulip tools bv", None), PartySightings(), TODAY) == PartyHistory(None, None)


def test_only_missing_sightings_need_recording() -> None:
    s = Sighting("k0", TODAY)
    assert PartySightings().missing_for(PAIR)
    assert PartySightings(consignee=s).missing_for(PAIR)
    assert not PartySightings(consignee=s, pair=s).missing_for(PAIR)
    assert not PartySightings(consignee=s).missing_for(PartyPair(None, "blue mountain hardware"))
    assert not PartySightings().missing_for(PartyPair("tulip tools bv", None))


def _assessment(level: Level, selection: str | None) -> Assessment:
    return Assessment(
        key="k",
        version=1,
        ruleset_version="r",
        score=0 if level is Level.NONE else 60,
        level=level,
        hits=(),
        profiles_matched=(),
        random=selection is not None,
        random_selection=selection,
    )


def test_a_random_selection_alerts_whatever_the_score() -> None:
    assert should_alert(_assessment(Level.NONE, "sea-1pct"))
    assert should_alert(_assessment(Level.AMBER, None))
    assert not should_alert(_assessment(Level.NONE, None))
