"""Score one consignment version: assess against the rules in force, keep the assessment, index it, raise an alert.

The party facts come from the stored party history: it is looked up before this consignment is recorded in it, and
a first sighting names its consignment key, so the first shipment of a shipper to a consignee reads as the first one
on every retry or re-score too."""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from cts.domain.alerts import Alert, alert_id_for, should_alert
from cts.domain.errors import NotFound
from cts.domain.parties import PartyPair, PartySightings, party_history
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.retention import RetentionPolicy
from cts.domain.risk.engine import Assessment, CompiledRuleset, compile_ruleset
from cts.domain.risk.facts import PartyHistory
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Ruleset
from cts.domain.search_view import SearchDocument
from cts.ports.clock import Clock
from cts.ports.messaging import WorkQueue
from cts.ports.records import (
    AlertRepository,
    AssessmentRepository,
    ConsignmentRepository,
    PartyHistoryRepository,
    RuleRepository,
)
from cts.ports.search import SearchIndex
from cts.services.reports import ReportRecorder
from cts.services.retention import LegalHoldService


@dataclass(frozen=True)
class ScoreOutcome:
    key: str
    version: int
    assessment: Assessment | None
    alert_id: str | None
    superseded: bool = False
    new_alert: bool = False  # False when the alert of this version was raised before (a retry or a re-score)
    unchanged: bool = False  # a re-score whose rules judge the version exactly as its stored assessment does


@dataclass
class BatchOutcome:
    scored: list[ScoreOutcome] = field(default_factory=list)
    failed: list[tuple[tuple[str, int], Exception]] = field(default_factory=list)


@dataclass
class ScoringService:
    consignments: ConsignmentRepository
    assessments: AssessmentRepository
    alerts: AlertRepository
    rules: RuleRepository
    search: SearchIndex
    notify_queue: WorkQueue
    thresholds: Thresholds
    clock: Clock
    parties: PartyHistoryRepository
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    # Holds the records and files of every consignment that alerts (each alert opens a case); None: no holds.
    legal_hold: LegalHoldService | None = None
    # How long a worker trusts the rules it read: reading them (every profile and list entry) for each message
    # would cost more than scoring. A rules change reaches the workers through re-scoring messages, which name the
    # new ruleset version and make a worker that has not seen it read the rules again at once.
    rules_max_age_s: float = 30.0
    # The report counters (docs/reports.md): versions assessed on arrival and new alerts; None: not counted.
    reports: ReportRecorder | None = None
    _compiled: CompiledRuleset | None = field(default=None, init=False, repr=False)
    _ruleset: Ruleset | None = field(default=None, init=False, repr=False)
    _ruleset_read: tuple[float, date] = field(default=(0.0, date.min), init=False, repr=False)
    _asked_versions: set[str] = field(default_factory=set, init=False, repr=False)

    def ruleset(self, today: date, wanted: str | None = None) -> Ruleset:
        """The rules in force, read again when older than ``rules_max_age_s``, on a new day, or when a message
        names a ruleset version this worker has not read yet."""
        read_at, read_on = self._ruleset_read
        fresh = self._ruleset is not None and read_on == today and time.monotonic() - read_at < self.rules_max_age_s
        unseen = wanted is not None and self._ruleset is not None and wanted != self._ruleset.version
        if unseen and wanted in self._asked_versions:
            unseen = False  # read again once for it already: superseded by a newer change
        if self._ruleset is None or not fresh or unseen:
            if wanted is not None:
                self._asked_versions.add(wanted)
            self._ruleset = self.rules.ruleset(today)
            self._ruleset_read = (time.monotonic(), today)
        return self._ruleset

    def compiled(self, ruleset: Ruleset) -> CompiledRuleset:
        """The ruleset compiled into indexes, once per ruleset version (a version names its content)."""
        if self._compiled is None or self._compiled.version != ruleset.version:
            compiled = compile_ruleset(ruleset)
            # The compiled ruleset (indexes over thousands of profiles and names) lives as long as the worker: move
            # it out of the collector's generations so that collections stop rescanning it (p99 latency). The
            # previous one is unfrozen first so that it can be freed.
            gc.unfreeze()
            self._compiled = compiled
            gc.collect()
            gc.freeze()
        return self._compiled

    def score(self, key: str, version: int, ruleset_version: str | None = None) -> ScoreOutcome:
        stored = self.consignments.get(key, version)
        if stored is None:
            raise NotFound(f"consignment {key} version {version}")
        latest = self.consignments.latest(key)
        if latest is not None and latest.version > version:
            # A newer version is (or will be) scored on its own message; this one is history.
            return ScoreOutcome(key, version, None, None, superseded=True)
        assessment = self._assess(stored, None, ruleset_version)
        self.assessments.put(assessment, expires=self.retention.consignment_expiry(stored))
        outcome, document = self._raise_alert(stored, assessment)
        self.search.index([document])
        self._report([(stored, outcome)], ruleset_version)
        return outcome

    def score_many(self, refs: Sequence[tuple[str, int]], ruleset_version: str | None = None) -> BatchOutcome:
        """:meth:`score` for each ``(key, version)``, with the records of the whole batch read and written together
        (versions, latest version numbers and party sightings read in a few requests; first sightings,
        assessments and search documents written in a few), instead of a dozen requests per consignment.
        One consignment that fails does not fail the others: it is returned with its error, for the caller to
        retry on its own. A failure of a grouped write fails the batch (raised: the message is retried)."""
        versions = self.consignments.get_many(refs)
        latest = self.consignments.latest_versions(sorted({key for key, _ in refs}))
        current = [versions[ref] for ref in dict.fromkeys(refs) if ref in versions and latest.get(ref[0], 0) <= ref[1]]
        sightings: dict[tuple[str, int], PartySightings] | None = None
        if ruleset_version is None or self._rules_read_history(ruleset_version):
            found = self.parties.lookup_many([PartyPair.of(v.consignment) for v in current])
            sightings = self._record_first_sightings(
                current, dict(zip([(v.key, v.version) for v in current], found, strict=True))
            )
        outcome = BatchOutcome()
        assessed: list[tuple[ConsignmentVersion, Assessment]] = []
        for key, version in refs:
            try:
                stored = versions.get((key, version))
                if stored is None:
                    raise NotFound(f"consignment {key} version {version}")
                if latest.get(key, 0) > version:
                    outcome.scored.append(ScoreOutcome(key, version, None, None, superseded=True))
                    continue
                # sightings None: a re-score under rules that read no party history, which is then not needed
                found_sightings = sightings.get((key, version)) if sightings is not None else None
                assessed.append((stored, self._assess(stored, found_sightings, ruleset_version, sightings is not None)))
            except Exception as exc:  # one consignment's failure must not fail its batch
                outcome.failed.append(((key, version), exc))
        if ruleset_version is not None and assessed:
            assessed = self._changed_only(assessed, outcome)
        self.assessments.put_many([(a, self.retention.consignment_expiry(v)) for v, a in assessed])
        documents: list[SearchDocument] = []
        for stored, assessment in assessed:
            try:
                scored, document = self._raise_alert(stored, assessment)
            except Exception as exc:  # as above: alone, it is retried on its own
                outcome.failed.append(((stored.key, stored.version), exc))
                continue
            outcome.scored.append(scored)
            documents.append(document)
        if documents:
            self.search.index(documents)
        self._report([(versions[(s.key, s.version)], s) for s in outcome.scored if not s.superseded], ruleset_version)
        return outcome

    def _changed_only(
        self, assessed: list[tuple[ConsignmentVersion, Assessment]], outcome: BatchOutcome
    ) -> list[tuple[ConsignmentVersion, Assessment]]:
        """A re-score writes only what the new rules judge differently. Most rule changes touch few consignments:
        writing every one again (two items and a search document each) would make a re-score of a hundred
        thousand arrivals cost as much as their first scoring. An unchanged assessment keeps the ruleset version
        that first produced it; one that calls for an alert is always written again, so that its alert and
        search status are made sure of (both idempotent)."""
        before = self.assessments.current_many([(v.key, v.version) for v, _ in assessed])
        changed: list[tuple[ConsignmentVersion, Assessment]] = []
        for stored, assessment in assessed:
            previous = before.get((stored.key, stored.version))
            judged_alike = previous is not None and assessment == previous.model_copy(
                update={"ruleset_version": assessment.ruleset_version}
            )
            if judged_alike and not should_alert(assessment):
                outcome.scored.append(ScoreOutcome(stored.key, stored.version, previous, None, unchanged=True))
            else:
                changed.append((stored, assessment))
        return changed

    def _report(self, scored: Sequence[tuple[ConsignmentVersion, ScoreOutcome]], ruleset_version: str | None) -> None:
        """Counted last, once everything is written: a version's first scoring message counts it as assessed, and
        any message its new alert (a re-score names its ruleset: late intelligence alerts count like any other);
        a repeated message is answered by the score function's idempotency record."""
        if self.reports is None or not scored:
            return
        first_time = ruleset_version is None
        counted = [
            (v.consignment, o.assessment if o.new_alert else None)
            for v, o in scored
            if o.assessment is not None and (first_time or o.new_alert)
        ]
        if counted:
            self.reports.scored(self.clock.now(), counted, first_time=first_time)

    def _record_first_sightings(
        self, current: list[ConsignmentVersion], sightings: dict[tuple[str, int], PartySightings]
    ) -> dict[tuple[str, int], PartySightings]:
        """Record the batch's first sightings together (what :meth:`party_history` would record one by one: not
        for a cancelled version), and return every version's sightings as stored."""
        today = self.clock.now().date()
        recording = [
            v
            for v in current
            if v.status is not VersionStatus.CANCELLED
            and sightings[(v.key, v.version)].missing_for(PartyPair.of(v.consignment))
        ]
        if not recording:
            return sightings
        stored = self.parties.record_many([(v.key, PartyPair.of(v.consignment), today) for v in recording])
        return {**sightings, **{(v.key, v.version): s for v, s in zip(recording, stored, strict=True)}}

    def _assess(
        self,
        stored: ConsignmentVersion,
        sightings: PartySightings | None,
        ruleset_version: str | None,
        with_history: bool = True,
    ) -> Assessment:
        now = self.clock.now()
        ruleset = self.ruleset(now.date(), wanted=ruleset_version)
        cancelled = stored.status is VersionStatus.CANCELLED
        history = None
        if with_history:
            history = self.party_history(stored, now.date(), record=not cancelled, sightings=sightings)
        return self.compiled(ruleset).assess(
            stored.key, stored.version, stored.consignment, self.thresholds, now.date(), history=history
        )

    def _rules_read_history(self, ruleset_version: str) -> bool:
        """Whether the rules of a re-score read party history. Its consignments were scored when they came in
        (which recorded their parties' first sightings); when no indicator reads the party records, a re-score
        judges each one on the consignment alone and reads no party items (two of the five items a re-score
        would read per consignment)."""
        return self.compiled(self.ruleset(self.clock.now().date(), wanted=ruleset_version)).reads_party_history

    def _raise_alert(self, stored: ConsignmentVersion, assessment: Assessment) -> tuple[ScoreOutcome, SearchDocument]:
        """The alert of a stored assessment that calls for one (once per version), and the search document."""
        key, version = stored.key, stored.version
        alert_id: str | None = None
        alert_status: str | None = None
        new_alert = False
        if should_alert(assessment) and stored.status is not VersionStatus.CANCELLED:
            alert_id = alert_id_for(key, version)
            if self.legal_hold is not None:
                # Before the alert exists: a case is only ever opened on held records. Idempotent, and run again
                # on a retry (the alert then exists and is not re-sent, but the hold may not have completed).
                self.legal_hold.hold(key, reason=f"alert {alert_id}")
            consignment = stored.consignment
            discharge = consignment.itinerary.place_of_discharge
            alert = Alert(
                alert_id=alert_id,
                key=key,
                version=version,
                document_number=consignment.transport_document.number,
                score=assessment.score,
                level=assessment.level,
                hits=assessment.hits,
                eta=consignment.eta,
                place_of_discharge=discharge.locode if discharge else None,
                raised_at=self.clock.now(),
                random_selection=assessment.random_selection,
                mode=consignment.mode,
                direction=consignment.direction,
            )
            new_alert = self.alerts.add(alert)
            if new_alert:
                self.notify_queue.send({"alert_id": alert_id})
                alert_status = alert.status.value
            else:  # raised before (a retry or a re-score): the analysts may have moved it on since
                existing = self.alerts.get(alert_id)
                alert_status = (existing or alert).status.value
        document = SearchDocument.from_consignment(
            key,
            version,
            stored.consignment,
            score=assessment.score,
            level=assessment.level.value,
            profiles_matched=assessment.profiles_matched,
            alert_status=alert_status,
            carrier_id=stored.carrier_id,
            status=stored.status.value,
        )
        return ScoreOutcome(key, version, assessment, alert_id, new_alert=new_alert), document

    def party_history(
        self, stored: ConsignmentVersion, today: date, record: bool = True, sightings: PartySightings | None = None
    ) -> PartyHistory:
        """The party facts as the records stood before this consignment, which is then recorded (unless
        ``record`` is false: a cancelled consignment shipped nothing). A consignment that lost a race to record
        a first sighting reads the winner's. ``sightings``: what a batch read found for these parties."""
        parties = PartyPair.of(stored.consignment)
        if sightings is None:
            sightings = self.parties.lookup(parties)
        if record and sightings.missing_for(parties):
            sightings = self.parties.record(stored.key, parties, today)
        return party_history(stored.key, parties, sightings, today)
