"""One parametrised stack: the whole Cargo Targeting System for one country.

Everything is built from :data:`cts.config.resources.SYSTEM` (the catalogue the local stack uses
too), so adding a bucket, queue, table, function or grant there is enough for both to follow.
Physical names are never set: CloudFormation generates them and the functions learn them from
the catalogue's environment variables.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from constructs import Construct

from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM
from infra.components.api import Api, load_routes
from infra.components.bindings import Resources
from infra.components.compute import Functions, Layers
from infra.components.identity import Identity
from infra.components.messaging import Messaging
from infra.components.notifications import EmailFeedbackTopic, Schedules
from infra.components.search import Search
from infra.components.storage import Storage
from infra.components.workflow import Workflows

REPO_ROOT = Path(__file__).resolve().parent.parent


def stack_name(country: CountryConfig) -> str:
    return f"Cts-{country.code}"


def origin_of(url: str) -> str:
    """``https://host/path`` -> ``https://host``, also for a deploy-time parameter (a token)."""
    return cdk.Fn.join("", ["https://", cdk.Fn.select(2, cdk.Fn.split("/", url))])


class CargoTargetingStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        root: Path = REPO_ROOT,
        **kwargs: object,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=country.account, region=country.region),
            description=f"Cargo Targeting System for {country.name} ({country.code})",
            **kwargs,  # type: ignore[arg-type]
        )
        self.country = country
        cdk.Tags.of(self).add("Project", "CTS")
        cdk.Tags.of(self).add("Country", country.code)

        self.web_url = self._web_url()
        storage = Storage(self, "Storage", country=country, web_origin=origin_of(self.web_url))
        messaging = Messaging(self, "Messaging", buckets=storage.buckets)
        identity = Identity(self, "Identity")
        search = Search(self, "Search", country=country)
        self.resources = Resources(
            buckets=storage.buckets,
            queues=messaging.queues,
            tables=storage.tables,
            search=search.domain,
            search_url=search.url,
            user_pool=identity.user_pool,
            user_pool_client=identity.client,
        )
        workflows = Workflows(
            self, "Workflows", country=country, resources=self.resources, definitions_dir=root / "statemachines"
        )
        self.resources.state_machines.update(workflows.state_machines)

        self.email_feedback: EmailFeedbackTopic | None = None
        if SYSTEM.email_feedback is not None:
            self.email_feedback = EmailFeedbackTopic(
                self, "EmailFeedback", spec=SYSTEM.email_feedback, queues=messaging.queues
            )

        layers = Layers(self, "Layers", root=root)
        functions = Functions(
            self,
            "Functions",
            country=country,
            resources=self.resources,
            layers=layers,
            root=root,
            email_settings=self._email_settings(),
            email_resources=(self.email_feedback.configuration_set_arn(),) if self.email_feedback else (),
        )
        self.functions = functions.functions
        self.schedules = Schedules(self, "Schedules", country=country, functions=self.functions)

        self.api: Api | None = None
        http_functions = [f for f in SYSTEM.functions if f.trigger_queue is None]
        if len(http_functions) > 1:
            raise NotImplementedError("one HTTP API function is supported; the catalogue lists several")
        for spec in http_functions:
            if spec.logical_id not in self.functions:
                continue  # its code is not there yet (see Functions): no API in this synthesis
            self.api = Api(
                self,
                "Api",
                country=country,
                function=self.functions[spec.logical_id],
                routes=load_routes(root, spec),
                user_pool=identity.user_pool,
            )

        self.storage, self.messaging, self.identity, self.search = storage, messaging, identity, search
        self.workflows, self.layers = workflows, layers
        self._outputs()

    def _web_url(self) -> str:
        """Base URL of the web app: linked from alert e-mails, and the origin allowed to upload.

        From the country file once it has ``web_url``; until the web app is hosted by this stack it
        is a deploy-time parameter (``cdk deploy --parameters WebUrl=https://...``).
        """
        if self.country.web_url is not None:
            return self.country.web_url
        return cdk.CfnParameter(
            self,
            "WebUrl",
            type="String",
            description="Base URL of the CTS web app (https://host[/path]): alert e-mail links, upload CORS origin",
            allowed_pattern=r"^https://[^/\s]+(/\S*)?$",
        ).value_as_string

    def _email_settings(self) -> dict[str, str]:
        """Alert e-mail settings that are not resources: recipients and the web link in the e-mails."""
        settings = {"CTS_ALERT_RECIPIENTS": ",".join(self.country.alert_recipients), "CTS_WEB_URL": self.web_url}
        if self.email_feedback is not None:  # bounces and complaints reach the notify queue through SNS
            settings[self.email_feedback.spec.env_var] = self.email_feedback.configuration_set_name
        return settings

    def _outputs(self) -> None:
        for spec in SYSTEM.buckets:
            cdk.CfnOutput(self, f"{spec.logical_id}Name", value=self.storage.buckets[spec.logical_id].bucket_name)
        cdk.CfnOutput(self, "UserPoolId", value=self.identity.user_pool.user_pool_id)
        cdk.CfnOutput(self, "UserPoolClientId", value=self.identity.client.user_pool_client_id)
        cdk.CfnOutput(self, "SearchEndpoint", value=self.search.url)
        if self.api is not None:
            cdk.CfnOutput(self, "ApiUrl", value=self.api.rest_api.url)
