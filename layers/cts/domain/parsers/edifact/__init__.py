"""UN/EDIFACT parsers: CUSCAR, IFTMIN and IFTMCS (see docs/formats-edifact.md)."""

from __future__ import annotations

from cts.domain.parsers.edifact.parser import CuscarParser, IftmcsParser, IftminParser

__all__ = ["CuscarParser", "IftmcsParser", "IftminParser"]
