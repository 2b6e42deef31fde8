"""IATA Cargo-XML parsers: XFWB (master air waybill), XFZB (house waybill) and XFFM (flight manifest)."""

from cts.domain.parsers.cargoxml.manifest import XffmParser
from cts.domain.parsers.cargoxml.waybill import XfwbParser, XfzbParser

__all__ = ["XffmParser", "XfwbParser", "XfzbParser"]
