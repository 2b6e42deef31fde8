"""What a new version of a consignment holds when another message about it arrives.

A flight manifest (FFM, XFFM) says on which flight and in which ULD an air waybill travels, not
who sent what: it must not replace the waybill's parties and goods with its own thin view. So a
manifest updates the journey of the waybill already reported, and a waybill arriving after a
manifest keeps the journey the manifest gave when it has none of its own.
"""

from __future__ import annotations

from cts.domain.model import Consignment, MessageFunction, SourceFormat

MANIFEST_FORMATS = frozenset({SourceFormat.FFM, SourceFormat.XFFM})


def is_manifest(consignment: Consignment) -> bool:
    return consignment.provenance.source_format in MANIFEST_FORMATS


def next_content(previous: Consignment | None, incoming: Consignment) -> Consignment:
    if previous is None or incoming.message_function is MessageFunction.CANCELLATION:
        return incoming
    if is_manifest(incoming) and not is_manifest(previous):
        return previous.model_copy(
            update={
                # Provenance stays the waybill's: the document's facts come from there. The version
                # record names the manifest file that moved it, and a re-sent manifest is a duplicate.
                "message_function": MessageFunction.AMENDMENT,
                "conveyance": incoming.conveyance,
                "equipment": incoming.equipment or previous.equipment,
                "etd": incoming.etd or previous.etd,
                "eta": incoming.eta or previous.eta,
                "quality": incoming.quality,
            }
        )
    if is_manifest(previous) and not is_manifest(incoming):
        journey = incoming.conveyance if incoming.conveyance.journey_id else previous.conveyance
        return incoming.model_copy(
            update={
                "conveyance": journey,
                "equipment": incoming.equipment or previous.equipment,
                "eta": incoming.eta or previous.eta,
            }
        )
    return incoming
