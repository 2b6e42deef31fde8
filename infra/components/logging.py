"""Log groups with the country's log retention."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

# CloudWatch only accepts these retention periods (days).
_ALLOWED = sorted(r.value for r in logs.RetentionDays if r is not logs.RetentionDays.INFINITE)


def retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch retention that keeps logs at least ``days`` (never less than asked)."""
    for allowed in _ALLOWED:
        if allowed >= days:
            return logs.RetentionDays(allowed)
    return logs.RetentionDays.INFINITE


def log_group(scope: Construct, construct_id: str, *, days: int) -> logs.LogGroup:
    """A log group with a generated name, kept when the stack is deleted (audit trail)."""
    return logs.LogGroup(
        scope, construct_id, retention=retention(days), removal_policy=cdk.RemovalPolicy.RETAIN
    )
