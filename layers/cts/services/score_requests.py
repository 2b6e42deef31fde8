"""What the score queue carries: consignment versions to score, one or a batch per message.

Ingest and re-scoring send batches (:func:`score_messages`): a worker then reads the batch's records together and
its idempotency record is one per batch, so a manifest of 10,000 consignments costs a few hundred requests instead
of tens of thousands. A consignment of a batch that fails is sent again on its own (:func:`retry_alone`), so that
it is retried, and dead-lettered, without holding back the others."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cts.ports.messaging import WorkQueue

BATCH_REFS = 50  # consignments per message: a batch read of 50 versions, 100 party items, 100 assessment items
# A re-score's message carries twice as many: most of its consignments are judged as before and written nothing,
# so a message is mostly its reads (one batch read each of versions, latest numbers and assessments: DynamoDB's
# 100 keys) and costs half the requests a consignment of the 50 a fresh upload's message carries.
RESCORE_BATCH_REFS = 100


class ScoreRequest(BaseModel):
    """Score (or re-score) one consignment version; ``ruleset`` names the rules change that asked for a re-score."""

    model_config = ConfigDict(frozen=True)

    key: str
    version: int
    ruleset: str | None = None


class ScoreBatch(BaseModel):
    """Score (or re-score) several consignment versions, ``(key, version)`` each."""

    model_config = ConfigDict(frozen=True)

    refs: tuple[tuple[str, int], ...] = Field(min_length=1, max_length=100)
    ruleset: str | None = None


def score_messages(
    refs: Sequence[tuple[str, int]], ruleset: str | None = None, size: int = BATCH_REFS
) -> list[Mapping[str, Any]]:
    """The message bodies that ask for ``refs`` to be scored, ``size`` to a message."""
    return [
        body(ScoreBatch(refs=tuple(refs[start : start + size]), ruleset=ruleset)) for start in range(0, len(refs), size)
    ]


def retry_alone(queue: WorkQueue, refs: Sequence[tuple[str, int]], ruleset: str | None = None) -> None:
    """Send each of ``refs`` as its own score request (the ones of a batch that failed)."""
    if refs:
        queue.send_many([body(ScoreRequest(key=key, version=version, ruleset=ruleset)) for key, version in refs])


def body(message: BaseModel) -> Mapping[str, Any]:
    data: dict[str, Any] = message.model_dump(mode="json", exclude_none=True)
    return data
