"""IATA Cargo-IMP parsers: FWB (air waybill), FHL (house list) and FFM (flight manifest).

See ``docs/formats-cargoimp.md`` for what maps where, the airport-code choice and the issue codes.
"""

from __future__ import annotations

from cts.domain.parsers.cargoimp.ffm import FfmParser
from cts.domain.parsers.cargoimp.fhl import FhlParser
from cts.domain.parsers.cargoimp.fwb import FwbParser

__all__ = ["FfmParser", "FhlParser", "FwbParser"]
