"""Step Functions definitions (``statemachines/*.asl.json``) and their ``${Name}`` substitutions.

The CDK stack and the local stack render a definition with this one function, so a placeholder the
catalogue does not provide (or a substitution the definition does not use) fails both the same way.
"""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class DefinitionError(ValueError):
    """The ASL file and the catalogue's substitutions disagree."""


def render_definition(text: str, values: dict[str, str]) -> str:
    """Replace every ``${Placeholder}`` with its value; unknown or unused placeholders are errors."""
    found = set(PLACEHOLDER.findall(text))
    if missing := found - values.keys():
        raise DefinitionError(f"no substitution for {sorted(missing)}")
    if unused := values.keys() - found:
        raise DefinitionError(f"substitutions {sorted(unused)} are not used by the definition")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
