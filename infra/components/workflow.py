"""Step Functions state machines: ASL files under ``statemachines/`` with catalogue substitutions."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM, Access, Bucket, Queue, StateMachine, Table
from cts.config.statemachines import DefinitionError, render_definition, task_privileges
from infra.components.bindings import Resources
from infra.components.logging import log_group
from infra.components.nag import acknowledge

# What a state machine may do with each kind of resource its definition refers to, tables aside (their tasks
# name the actions: cts.config.statemachines.task_privileges).
WORKFLOW_ACCESS: dict[type, Access] = {Queue: Access.SEND, Bucket: Access.READ_WRITE}


class Workflows(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        resources: Resources,
        definitions_dir: Path,
    ) -> None:
        super().__init__(scope, construct_id)
        self.state_machines: dict[str, sfn.StateMachine] = {}
        for spec in SYSTEM.state_machines:
            self.state_machines[spec.logical_id] = self._state_machine(spec, country, resources, definitions_dir)

    def _state_machine(
        self, spec: StateMachine, country: CountryConfig, resources: Resources, definitions_dir: Path
    ) -> sfn.StateMachine:
        path = definitions_dir / spec.definition
        if not path.is_file():
            raise FileNotFoundError(f"{spec.logical_id}: definition {path} does not exist")
        # Substituted in place (tokens become Fn::Join/Ref), so the deployed definition has no ${...} left.
        definition = render_definition(
            path.read_text(encoding="utf-8"),
            {name: resources.substitution(target) for name, target in spec.substitutions.items()},
        )
        machine = sfn.StateMachine(
            self,
            spec.logical_id,
            definition_body=sfn.DefinitionBody.from_string(definition),
            state_machine_type=sfn.StateMachineType.STANDARD,
            logs=sfn.LogOptions(
                destination=log_group(self, f"{spec.logical_id}Logs", days=country.retention.logs_days),
                level=sfn.LogLevel.ALL,
                include_execution_data=True,
            ),
            tracing_enabled=True,
        )
        self._grant(spec, machine, resources, task_privileges(path.read_text(encoding="utf-8")))
        acknowledge(
            machine.role,
            "IAM5[Resource::*]",
            "Step Functions log delivery (logs:*LogDelivery*, DescribeLogGroups, resource policies) and X-Ray "
            "(PutTraceSegments, PutTelemetryRecords) do not support resource-level permissions.",
        )
        return machine

    @staticmethod
    def _grant(
        spec: StateMachine, machine: sfn.StateMachine, resources: Resources, privileges: dict[str, frozenset[str]]
    ) -> None:
        """Tables get exactly the item actions the definition's tasks call (no Query, Scan, DeleteItem, no
        indexes); other resources the catalogue's access for their kind."""
        for placeholder, target in sorted(spec.substitutions.items()):
            kind = type(SYSTEM.resource(target))
            if kind is Table:
                actions = privileges.get(placeholder)
                if not actions:
                    raise DefinitionError(f"{spec.logical_id}: ${{{placeholder}}} is substituted but no task uses it")
                machine.role.add_to_principal_policy(
                    iam.PolicyStatement(actions=sorted(actions), resources=[resources.tables[target].table_arn])
                )
                continue
            access = WORKFLOW_ACCESS.get(kind)
            if access is None:
                raise DefinitionError(f"{spec.logical_id} refers to {target}, which it cannot be granted")
            resources.grant(target, access, machine.role)
