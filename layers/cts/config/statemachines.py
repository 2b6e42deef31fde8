"""Step Functions definitions (``statemachines/*.asl.json``) and their ``${Name}`` substitutions.

The CDK stack and the local stack render a definition with this one function, so a placeholder the
catalogue does not provide (or a substitution the definition does not use) fails both the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

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


_TERMINAL = frozenset({"Succeed", "Fail"})
_NO_NEXT = frozenset({"Choice", "Succeed", "Fail"})


def definition_problems(definition: Mapping[str, Any]) -> list[str]:
    """What is wrong with a parsed definition, offline: a ``StartAt``, ``Next``, ``Default`` or ``Catch`` naming
    no state of its scope, a state nothing reaches, a scope without an end, a state that neither goes on nor
    ends. Parallel branches and Map item processors are scopes of their own."""
    problems: list[str] = []
    _check_scope(definition, "", problems)
    return problems


def _check_scope(scope: Mapping[str, Any], where: str, problems: list[str]) -> None:
    states: Mapping[str, Any] = scope.get("States", {})
    start = str(scope.get("StartAt"))
    if start not in states:
        problems.append(f"{where.rstrip('.') or 'top'}: StartAt {start!r} is not a state")
    edges: dict[str, list[str]] = {}
    for name, state in states.items():
        targets = _targets(state)
        edges[name] = targets
        for target in targets:
            if target not in states:
                problems.append(f"{where}{name}: goes to {target!r}, which is not a state of its scope")
        kind = state.get("Type")
        if kind not in _NO_NEXT and not state.get("End") and "Next" not in state:
            problems.append(f"{where}{name}: a {kind} state needs Next or End")
        if kind == "Choice" and not state.get("Choices"):
            problems.append(f"{where}{name}: a Choice state needs Choices")
        for i, branch in enumerate(state.get("Branches", [])):
            _check_scope(branch, f"{where}{name}[{i}].", problems)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                _check_scope(state[key], f"{where}{name}.", problems)
    seen: set[str] = set()
    todo = [start] if start in states else []
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(t for t in edges.get(current, []) if t in states)
    problems.extend(f"{where}{name}: no state leads here" for name in states if name not in seen)
    if not any(state.get("Type") in _TERMINAL or state.get("End") for state in states.values()):
        problems.append(f"{where.rstrip('.') or 'top'}: no state ends the workflow")


def _targets(state: Mapping[str, Any]) -> list[str]:
    targets = [state["Next"]] if "Next" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", []) if "Next" in choice]
    targets += [state["Default"]] if "Default" in state else []
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return targets


_TASK = re.compile(r"^arn:aws:states:::(?:aws-sdk:)?(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z0-9]+)(?:\.\w+)?$")


def task_privileges(text: str) -> dict[str, frozenset[str]]:
    """The IAM actions each table placeholder's tasks need, from the (unrendered) definition: a
    ``dynamodb:putItem`` task on ``${RecordsTableName}`` needs ``dynamodb:PutItem`` on that table and nothing
    more. A task this cannot read (another service, a table that is not a placeholder) is an error, so that a
    new kind of task is granted on purpose rather than by a broad policy."""
    privileges: dict[str, set[str]] = {}
    for state in _tasks(json.loads(text)):
        resource = str(state.get("Resource", ""))
        match = _TASK.match(resource)
        table = PLACEHOLDER.fullmatch(str(state.get("Parameters", {}).get("TableName", "")))
        if match is None or match["service"] != "dynamodb" or table is None:
            raise DefinitionError(f"cannot derive the privileges of task {resource!r}")
        action = match["action"]
        privileges.setdefault(table.group(1), set()).add(f"dynamodb:{action[0].upper()}{action[1:]}")
    return {name: frozenset(actions) for name, actions in privileges.items()}


def _tasks(scope: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for state in scope.get("States", {}).values():
        if state.get("Type") == "Task":
            yield state
        for branch in state.get("Branches", []):
            yield from _tasks(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from _tasks(state[key])
