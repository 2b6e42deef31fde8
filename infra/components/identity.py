"""The Cognito user pool: staff and carrier accounts, one group per role, one public app client."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from cts.adapters.cognito import CARRIER_ATTRIBUTE
from cts.config.country import CountryConfig, MfaMode
from cts.config.resources import SYSTEM
from infra.components.nag import acknowledge

# "custom:carrier_id": which carrier a carrier account uploads for (read by the API from the id token).
CARRIER_ID = CARRIER_ATTRIBUTE.removeprefix("custom:")


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, country: CountryConfig) -> None:
        super().__init__(scope, construct_id)
        spec = SYSTEM.user_pool
        mfa_required = country.security.mfa is MfaMode.REQUIRED
        self.user_pool = cognito.UserPool(
            self,
            spec.logical_id,
            self_sign_up_enabled=False,  # administrators create accounts (see docs/deploy.md)
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            custom_attributes={CARRIER_ID: cognito.StringAttribute(min_len=1, max_len=64, mutable=True)},
            password_policy=cognito.PasswordPolicy(
                min_length=country.security.password_min_length,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            mfa=cognito.Mfa.REQUIRED if mfa_required else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        if not mfa_required:
            acknowledge(
                self.user_pool,
                "COG2",
                f"{country.code} chose security.mfa: optional (TOTP only) while it enrols its staff and carrier "
                "accounts; threat protection (PLUS plan, full function) blocks risky sign-ins meanwhile. Set "
                "mfa: required in the country file once everyone has enrolled.",
            )
        self.groups: dict[str, cognito.CfnUserPoolGroup] = {
            role: cognito.CfnUserPoolGroup(
                self,
                f"Group{''.join(part.title() for part in role.split('_'))}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=role,  # the role name the API checks in the token's cognito:groups claim
                description=f"CTS role {role}",
            )
            for role in spec.groups
        }
        self.client = self.user_pool.add_client(
            "WebClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            prevent_user_existence_errors=True,
            # Users may read their carrier id but never set it: only administrators assign it.
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, preferred_username=True)
            .with_custom_attributes(CARRIER_ID),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(email=True, preferred_username=True),
            enable_token_revocation=True,
            access_token_validity=cdk.Duration.hours(1),
            id_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.hours(12),
        )
        self.risk_configuration = risk_configuration(self, "RiskConfiguration", self.user_pool)


def risk_configuration(
    scope: Construct, construct_id: str, user_pool: cognito.UserPool
) -> cognito.CfnUserPoolRiskConfigurationAttachment:
    """What threat protection does, for every app client: sign-ins and password changes with credentials found in
    public breaches are blocked; by the sign-in's risk, low is allowed, medium asks for MFA where the user set it up,
    high is blocked. No notification e-mails (they would need an SES sender in the user pool)."""
    rule = cognito.CfnUserPoolRiskConfigurationAttachment
    action = rule.AccountTakeoverActionTypeProperty
    return rule(
        scope,
        construct_id,
        user_pool_id=user_pool.user_pool_id,
        client_id="ALL",
        compromised_credentials_risk_configuration=rule.CompromisedCredentialsRiskConfigurationTypeProperty(
            actions=rule.CompromisedCredentialsActionsTypeProperty(event_action="BLOCK"),
            event_filter=["SIGN_IN", "PASSWORD_CHANGE"],
        ),
        account_takeover_risk_configuration=rule.AccountTakeoverRiskConfigurationTypeProperty(
            actions=rule.AccountTakeoverActionsTypeProperty(
                low_action=action(event_action="NO_ACTION", notify=False),
                medium_action=action(event_action="MFA_IF_CONFIGURED", notify=False),
                high_action=action(event_action="BLOCK", notify=False),
            )
        ),
    )
