"""Acknowledging cdk-nag (v3) findings: narrowest scope, one finding at a time, always with a reason.

cdk-nag 3 is a CDK policy-validation plugin (``Validations.of(app).add_plugins(...)``); any finding
left unacknowledged, error *or* warning, fails ``app.synth()``. Acknowledgements are construct
metadata read by the plugin on the construct and its ancestors, so always pass the smallest
construct that owns the finding (a role, a bucket, a method), never the stack.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

PACK = "AwsSolutions"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge ``AwsSolutions-<rule>`` (e.g. ``"S1"`` or ``"IAM5[Resource::*]"``) on ``scope``."""
    if len(reason) < 20:
        raise ValueError(f"give a real reason for acknowledging {rule}")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{PACK}-{rule}", reason=reason))


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of an L2's main resource, as cdk-nag prints it in findings."""
    child = construct.node.default_child
    if not isinstance(child, cdk.CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    return cdk.Stack.of(construct).get_logical_id(child)


def arn_wildcard(construct: IConstruct, suffix: str) -> str:
    """The IAM5 finding for ``<resource ARN><suffix>``, e.g. ``Resource::<InboxBucketAB12.Arn>/*``."""
    return f"IAM5[Resource::<{logical_id(construct)}.Arn>{suffix}]"
