"""Pure domain code: the canonical model, reference lists, parsers, risk rules. No I/O."""
