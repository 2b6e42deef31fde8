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
from infra.components.api import STAGE, Api, load_routes
from infra.components.backup import Backups
from infra.components.bindings import Resources
from infra.components.compute import Functions, Layers
from infra.components.email_identity import SenderIdentity
from infra.components.identity import Identity
from infra.components.messaging import Messaging
from infra.components.monitoring import Monitoring
from infra.components.notifications import EmailFeedbackTopic, Schedules
from infra.components.search import Search
from infra.components.storage import Storage
from infra.components.web import WebHosting
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

        storage = Storage(self, "Storage", country=country)
        self.web = WebHosting(
            self,
            "Web",
            country=country,
            access_logs=storage.access_logs,
        )
        # Where people open the web app (links in e-mails, the buckets' CORS origin): the distribution, unless
        # the country puts its own domain in front of it (web_url in the country file).
        self.web_url = country.web_url or self.web.url
        storage.allow_browser(origin_of(self.web_url))
        messaging = Messaging(self, "Messaging", buckets=storage.buckets)
        identity = Identity(self, "Identity", country=country)
        search = Search(self, "Search", country=country)
        self.resources = Resources(
            buckets=storage.buckets,
            queues=messaging.queues,
            tables=storage.tables,
            search=search.domain,
            search_engine=search,
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

        self.sender: SenderIdentity | None = None
        if country.operations.manage_email_identity:
            self.sender = SenderIdentity(
                self,
                "Sender",
                country=country,
                configuration_set=self.email_feedback.configuration_set if self.email_feedback else None,
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
        search.finish()  # every role that uses the search engine is known now: its own access control
        self.schedules = Schedules(self, "Schedules", country=country, functions=self.functions)

        self.api: Api | None = None
        self.api_paths: list[str] = []
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
            api_domain = cdk.Fn.join(".", [self.api.rest_api.rest_api_id, "execute-api", self.region, self.url_suffix])
            self.api_paths = self.web.route_api(api_domain, STAGE, [r.path for r in self.api.routes])
        self.web.deploy(
            root,
            {
                "country": country.code,
                "region": self.region,
                "apiUrl": self.web_url if self.api is not None else "",
                "userPoolId": identity.user_pool.user_pool_id,
                "userPoolClientId": identity.client.user_pool_client_id,
            },
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            country=country,
            queues=messaging.queues,
            dead_letter_queues=messaging.dead_letter_queues,
            dead_letter_alarms=messaging.alarms,
            functions=self.functions,
            state_machines=workflows.state_machines,
            api=self.api.rest_api if self.api is not None else None,
            web_acl=self.api.web_acl if self.api is not None else None,
            domain=search.domain,
        )
        self.backups = Backups(self, "Backups", country=country, tables=storage.tables, raw_archive=storage.raw_archive)

        self.storage, self.messaging, self.identity, self.search = storage, messaging, identity, search
        self.workflows, self.layers = workflows, layers
        self._outputs()

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
        cdk.CfnOutput(self, "RawArchiveBucketName", value=self.storage.raw_archive.bucket_name)
        cdk.CfnOutput(self, "WebUrl", value=self.web_url, description="Open the web app here")
        cdk.CfnOutput(self, "WebBucketName", value=self.web.bucket.bucket_name)
        cdk.CfnOutput(self, "DistributionId", value=self.web.distribution.distribution_id)
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)
        cdk.CfnOutput(self, "DashboardName", value=self.monitoring.dashboard.dashboard_name)
        if self.api is not None:
            cdk.CfnOutput(self, "ApiUrl", value=self.api.rest_api.url)
