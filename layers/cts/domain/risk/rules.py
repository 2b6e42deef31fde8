"""Risk profiles, watch lists and random selection as validated documents.

A profile is a named, versioned set of indicators (conditions over the facts of
:mod:`cts.domain.risk.facts`) with weights, matched by a weight ``threshold``, a nested
``match`` combination (all / any / at least N of indicator ids), or both; a ``scope`` limits the
consignments it applies to. Unknown fields, facts and operators are rejected with a message
naming them. See ``docs/profiles.md``.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from stdnum import imo, iso6346
from stdnum.exceptions import ValidationError

from cts.domain.model import Direction, TransportMode, compact_identifier
from cts.domain.risk.facts import ALL_FACTS, COUNTRY_ROLES, FACT_NAMES, NUMERIC_FACTS, normalise_text

_Doc = ConfigDict(extra="forbid", frozen=True)
_ID = r"^[a-z0-9][a-z0-9_-]*$"


class Operator(StrEnum):
    EQUALS = "equals"
    IN = "in"
    PREFIX = "prefix"
    KEYWORD = "keyword"
    REGEX = "regex"
    RANGE = "range"
    RATIO = "ratio"
    LEAD_TIME_HOURS = "lead_time_hours"
    COUNTRY_OF = "country_of"
    EXISTS = "exists"
    MISSING = "missing"


TEXT_OPERATORS = frozenset({Operator.EQUALS, Operator.IN, Operator.PREFIX, Operator.KEYWORD, Operator.REGEX})


class CountryRole(StrEnum):
    ORIGIN = "origin"
    LOADING = "loading"
    TRANSSHIPMENT = "transshipment"
    ROUTING = "routing"


class ProfileStatus(StrEnum):
    """Where a profile version is in its life (:mod:`cts.domain.rule_lifecycle`); only ``active`` is in force.

    Rules files use ``draft``, ``active`` and ``retired``; the API's four-eyes lifecycle adds the others."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for a second person's approval
    APPROVED = "approved"  # may be activated
    ACTIVE = "active"
    SUPERSEDED = "superseded"  # was active until another version of the profile was activated
    RETIRED = "retired"


class Indicator(BaseModel):
    """One condition over a fact, worth ``weight`` points when its profile matches.

    Which of ``values``, ``min``/``max``, ``per``, ``hours`` and ``of`` an indicator takes depends on its ``op``."""

    model_config = _Doc

    id: str = Field(pattern=_ID)
    description: str
    fact: str | None = None
    op: Operator
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    per: str | None = None
    hours: float | None = Field(default=None, gt=0)
    of: tuple[CountryRole, ...] = ()
    weight: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _operands_fit_the_operator(self) -> Indicator:
        op = self.op
        where = f"indicator {self.id!r} (op {op.value!r})"
        if self.fact is not None and self.fact not in ALL_FACTS:
            raise ValueError(f"{where}: unknown fact {self.fact!r}; known facts: {', '.join(ALL_FACTS)}")
        allowed: set[str] = {"fact", "values"}
        if op in TEXT_OPERATORS:
            if self.fact not in FACT_NAMES:
                raise ValueError(f"{where} needs a text fact, one of: {', '.join(FACT_NAMES)}")
        elif op is Operator.RANGE or op is Operator.RATIO:
            allowed = {"fact", "min", "max", "per"} if op is Operator.RATIO else {"fact", "min", "max"}
            names = [self.fact, self.per] if op is Operator.RATIO else [self.fact]
            if any(n not in NUMERIC_FACTS for n in names):
                what = "`fact` and `per`" if op is Operator.RATIO else "`fact`"
                raise ValueError(f"{where}: {what} must be numeric facts, one of: {', '.join(NUMERIC_FACTS)}")
            if self.min is None and self.max is None:
                raise ValueError(f"{where} needs `min`, `max` or both")
            if self.min is not None and self.max is not None and self.min > self.max:
                raise ValueError(f"{where}: `min` is above `max`")
        elif op is Operator.LEAD_TIME_HOURS:
            allowed = {"hours"}
            if self.hours is None:
                raise ValueError(f"{where} needs `hours`: fires when filed less than that many hours before ETA")
        elif op is Operator.COUNTRY_OF:
            allowed = {"of", "values"}
            if not self.of:
                raise ValueError(f"{where} needs `of`: some of {', '.join(r.value for r in CountryRole)}")
            bad = [v for v in self.values if not re.fullmatch(r"[A-Za-z]{2}", v)]
            if bad:
                raise ValueError(f"{where}: values must be ISO 3166 alpha-2 country codes, got {bad}")
        else:  # EXISTS / MISSING
            allowed = {"fact"}
            if self.fact is None:
                raise ValueError(f"{where} needs `fact`")
        operands = {"fact", "values", "min", "max", "per", "hours", "of"}
        given = {name for name in operands if getattr(self, name) not in (None, ())}
        if extra := sorted(given - allowed):
            raise ValueError(f"{where} does not take {', '.join(extra)}")
        if "values" in allowed and not self.values:
            raise ValueError(f"{where} needs at least one value")
        if op is Operator.KEYWORD and any(not normalise_text(v) for v in self.values):
            raise ValueError(f"{where}: every keyword needs a letter or digit")
        if op is Operator.REGEX:
            for pattern in self.values:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc
        return self

    @property
    def country_facts(self) -> tuple[str, ...]:
        """For ``country_of``: the facts it reads, in a fixed order (origin, loading, transshipment, routing)."""
        return tuple(fact for role, fact in COUNTRY_ROLES.items() if role in self.of)


class AllOf(BaseModel):
    model_config = _Doc

    all: tuple[Match, ...] = Field(min_length=1)


class AnyOf(BaseModel):
    model_config = _Doc

    any: tuple[Match, ...] = Field(min_length=1)


class AtLeast(BaseModel):
    model_config = _Doc

    at_least: int = Field(ge=1)
    of: tuple[Match, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> AtLeast:
        if self.at_least > len(self.of):
            raise ValueError(f"at_least {self.at_least} of only {len(self.of)} conditions can never match")
        return self


# A combination rule: an indicator id, or all / any / at least N of nested rules.
Match: TypeAlias = str | AllOf | AnyOf | AtLeast

AllOf.model_rebuild()
AnyOf.model_rebuild()
AtLeast.model_rebuild()


_SHAPES = ({"all"}, {"any"}, {"at_least", "of"})


def _check_match_shape(raw: object, where: str = "match") -> None:
    """A readable message for a malformed combination (pydantic's union errors list every alternative)."""
    if isinstance(raw, str):
        return
    if not isinstance(raw, dict) or set(raw) not in _SHAPES:
        got = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise ValueError(
            f"{where}: expected an indicator id or one of {{all: [...]}}, {{any: [...]}}, "
            f"{{at_least: N, of: [...]}}; got {got}"
        )
    children = raw.get("all", raw.get("any", raw.get("of")))
    if not isinstance(children, list | tuple) or not children:
        raise ValueError(f"{where}: {sorted(raw)} needs a non-empty list")
    for i, child in enumerate(children):
        _check_match_shape(child, f"{where}.{next(iter(k for k in raw if k != 'at_least'))}[{i}]")


def match_leaves(rule: Match) -> list[str]:
    if isinstance(rule, str):
        return [rule]
    children = rule.all if isinstance(rule, AllOf) else rule.any if isinstance(rule, AnyOf) else rule.of
    return [leaf for child in children for leaf in match_leaves(child)]


def evaluate_match(rule: Match, fired: set[str] | frozenset[str]) -> bool:
    """Whether the combination holds given the ids of the indicators that fired."""
    if isinstance(rule, str):
        return rule in fired
    if isinstance(rule, AllOf):
        return all(evaluate_match(r, fired) for r in rule.all)
    if isinstance(rule, AnyOf):
        return any(evaluate_match(r, fired) for r in rule.any)
    return sum(1 for r in rule.of if evaluate_match(r, fired)) >= rule.at_least


class Scope(BaseModel):
    """Which consignments a profile (or a random selection rate) applies to; an empty list means any."""

    model_config = _Doc

    modes: tuple[TransportMode, ...] = ()
    directions: tuple[Direction, ...] = ()
    ports: tuple[str, ...] = Field(default=(), description="UN/LOCODEs: applies when any is on the route")
    carriers: tuple[str, ...] = ()

    @property
    def is_everything(self) -> bool:
        return not (self.modes or self.directions or self.ports or self.carriers)


class Profile(BaseModel):
    model_config = _Doc

    id: str = Field(pattern=_ID)
    version: int = Field(ge=1)
    name: str
    category: str
    status: ProfileStatus = ProfileStatus.DRAFT
    author: str
    valid_from: date | None = None
    valid_to: date | None = None
    scope: Scope = Field(default_factory=Scope)
    threshold: int | None = Field(default=None, ge=1, description="matches when fired weights reach this")
    match: Match | None = Field(default=None, description="matches when this combination of indicators fired")
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    @field_validator("match", mode="before")
    @classmethod
    def _match_shape(cls, value: object) -> object:
        if value is not None and not isinstance(value, AllOf | AnyOf | AtLeast):
            _check_match_shape(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if self.threshold is None and self.match is None:
            raise ValueError(f"profile {self.id!r} needs a `threshold`, a `match` rule or both")
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError(f"profile {self.id!r}: indicator ids must be unique")
        if self.match is not None:
            unknown = sorted(set(match_leaves(self.match)) - set(ids))
            if unknown:
                raise ValueError(f"profile {self.id!r}: `match` names unknown indicators: {', '.join(unknown)}")
        return self

    def in_force(self, on: date) -> bool:
        if self.status is not ProfileStatus.ACTIVE:
            return False
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


class WatchlistKind(StrEnum):
    PARTY = "party"  # a name, person or organisation: screened
    COMPANY = "company"  # screened as an organisation
    PERSON = "person"  # screened as a person
    ADDRESS = "address"  # screened against the parties' addresses
    PHONE = "phone"
    EMAIL = "email"
    CONTAINER = "container"
    VESSEL = "vessel"  # by IMO number
    HS_CODE = "hs_code"
    PORT = "port"
    COUNTRY = "country"


def _check_listed_value(kind: WatchlistKind, value: str) -> str | None:
    """Why a listed value cannot be right for its kind, or ``None``. Identifiers are checked with their check digits
    so that a mistyped entry is rejected when it is written, not silently never matched."""
    compact = compact_identifier(value)
    if kind is WatchlistKind.CONTAINER:
        try:
            iso6346.validate(compact)
        except ValidationError as exc:
            return f"not an ISO 6346 container number ({exc})"
    elif kind is WatchlistKind.VESSEL:
        try:
            imo.validate(compact)
        except ValidationError as exc:
            return f"not an IMO ship identification number ({exc})"
    elif kind is WatchlistKind.PORT and not re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", compact):
        return "not a UN/LOCODE (5 characters: country and location)"
    elif kind is WatchlistKind.COUNTRY and not re.fullmatch(r"[A-Z]{2}", compact):
        return "not an ISO 3166 alpha-2 country code"
    elif kind is WatchlistKind.HS_CODE and not re.fullmatch(r"\d{2,10}", compact):
        return "not an HS code (2 to 10 digits)"
    elif kind is WatchlistKind.EMAIL and not re.fullmatch(r"[^@\s]*@[^@\s]+\.[^@\s]+", value.strip()):
        return "not an e-mail address or @domain"
    elif kind is WatchlistKind.PHONE and sum(ch.isdigit() for ch in value) < 7:
        return "a phone number needs at least 7 digits"
    elif not normalise_text(value):
        return "needs a letter or digit"
    return None


class _Listed(BaseModel):
    """What watch-list and allow-list entries share: a typed value with aliases, valid between two dates."""

    model_config = _Doc

    id: str
    kind: WatchlistKind
    value: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    reason: str
    source: str = ""
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _values_fit_the_kind(self) -> _Listed:
        for value in (self.value, *self.aliases):
            if (problem := _check_listed_value(self.kind, value)) is not None:
                raise ValueError(f"entry {self.id!r} ({self.kind.value}): {value!r} is {problem}")
        return self

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


class WatchlistEntry(_Listed):
    category: str
    weight: int = Field(default=100, ge=1, le=1000)


class AllowEntry(_Listed):
    """A known-good value: watch-list hits on it are suppressed (all of its kind, or only the entries named)."""

    suppresses: tuple[str, ...] = Field(default=(), description="watch-list entry ids; empty: any entry")


class RandomSelection(BaseModel):
    """A minimum rate of consignments in a scope selected at random, whatever their score.

    The draw is deterministic: a hash of the consignment key, the ruleset version and ``seed``."""

    model_config = _Doc

    id: str = Field(pattern=_ID)
    rate: float = Field(ge=0, le=1, description="fraction selected, e.g. 0.01 for 1 %")
    seed: str = ""
    scope: Scope = Field(default_factory=Scope)
    description: str = ""


class Ruleset(BaseModel):
    """The profiles, watch-list and allow-list entries in force, identified so assessments can say what judged them."""

    model_config = _Doc

    version: str
    profiles: tuple[Profile, ...] = ()
    watchlist: tuple[WatchlistEntry, ...] = ()
    allow_list: tuple[AllowEntry, ...] = ()
    random_selection: tuple[RandomSelection, ...] = ()
