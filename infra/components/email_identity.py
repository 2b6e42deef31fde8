"""The SES domain identity alert e-mails are sent as (the domain of the country's ``alert_sender``).

Easy DKIM (2048-bit keys, rotated by SES): the stack outputs the three CNAME records to publish in the domain's DNS,
after which SES verifies the domain on its own. The identity's default configuration set is the one that reports
bounces and complaints, so even a sender that forgets to name it is covered. A country whose domain is already
verified in the account and region (by another stack or by hand) sets ``operations.manage_email_identity: false``:
SES allows one identity per domain.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ses as ses
from constructs import Construct

from cts.config.country import CountryConfig


class SenderIdentity(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        country: CountryConfig,
        configuration_set: ses.IConfigurationSet | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.domain = country.alert_sender.rpartition("@")[2]
        self.identity = ses.EmailIdentity(
            self,
            "Domain",
            identity=ses.Identity.domain(self.domain),
            dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
            dkim_signing=True,
            # Feedback forwarding stays on (SES's default): turning it off needs per-identity SNS topics, while
            # bounces and complaints reach the notify queue through the configuration set already.
            configuration_set=configuration_set,
        )
        for n, (name, value) in enumerate(
            (
                (self.identity.dkim_dns_token_name1, self.identity.dkim_dns_token_value1),
                (self.identity.dkim_dns_token_name2, self.identity.dkim_dns_token_value2),
                (self.identity.dkim_dns_token_name3, self.identity.dkim_dns_token_value3),
            ),
            start=1,
        ):
            cdk.CfnOutput(
                cdk.Stack.of(self),
                f"SesDkimRecord{n}",
                value=cdk.Fn.join("", [name, " CNAME ", value]),
                description=f"Publish in the DNS of {self.domain} so that SES verifies it (Easy DKIM)",
            )
