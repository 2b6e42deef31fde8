"""Cognito's answers to sign-in challenges become domain errors with stable codes, and challenges the pool does not
use (SMS, e-mail) are refused: the adapter over a client that answers what Cognito answers in AWS (where moto
differs, e.g. ``EnableSoftwareTokenMFAException`` or ``TooManyFailedAttemptsException``, which moto never raises)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from cts.adapters.cognito import CognitoAuthenticator
from cts.domain.errors import Conflict, Unauthorized, Unavailable, ValidationFailed
from cts.domain.sign_in import (
    Challenge,
    ChallengeName,
    CodeExpired,
    CodeMismatch,
    SessionExpired,
    TooManyAttempts,
    WeakPassword,
)

SESSION = "s" * 40


def client_error(code: str, message: str = "", operation: str = "RespondToAuthChallenge") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class Cognito:
    """Answers each operation with a canned response, or raises the canned error; records the calls."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((operation, kwargs))
            answer = self.answers[operation]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


def authenticator(cognito: Cognito) -> CognitoAuthenticator:
    return CognitoAuthenticator("eu-west-1_POOL", "client", lambda: cognito)  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("NotAuthorizedException", SessionExpired),  # "Invalid session for the user, session is expired."
        ("ResourceNotFoundException", SessionExpired),  # moto's answer for an unknown session
        ("CodeMismatchException", CodeMismatch),
        ("ExpiredCodeException", CodeExpired),
        ("TooManyFailedAttemptsException", TooManyAttempts),
        ("LimitExceededException", TooManyAttempts),
        ("InvalidParameterException", ValidationFailed),
        ("InternalErrorException", Unavailable),
    ],
)
def test_an_answer_to_the_code_challenge_that_cognito_refuses_keeps_a_stable_code(
    code: str, expected: type[Exception]
) -> None:
    cognito = Cognito(respond_to_auth_challenge=client_error(code, "refused"))
    with pytest.raises(expected) as raised:
        authenticator(cognito).respond("ann", ChallengeName.TOTP, SESSION, code="123456")
    assert type(raised.value) is expected
    assert cognito.calls[0][1]["ChallengeResponses"] == {"USERNAME": "ann", "SOFTWARE_TOKEN_MFA_CODE": "123456"}


def test_a_weak_new_password_carries_cognitos_reason() -> None:
    reason = "Password does not conform to policy: Password must have symbol characters"
    cognito = Cognito(respond_to_auth_challenge=client_error("InvalidPasswordException", reason))
    with pytest.raises(WeakPassword, match="must have symbol characters"):
        authenticator(cognito).respond("ann", ChallengeName.NEW_PASSWORD, SESSION, new_password="Abcdefghijk1")
    assert WeakPassword.error_code == "weak_password"


def test_a_wrong_code_while_setting_up_the_app_during_sign_in_is_code_mismatch_and_ends_nothing() -> None:
    cognito = Cognito(verify_software_token=client_error("EnableSoftwareTokenMFAException", "Code mismatch"))
    with pytest.raises(CodeMismatch):
        authenticator(cognito).respond("ann", ChallengeName.MFA_SETUP, SESSION, code="123456")
    assert [name for name, _ in cognito.calls] == ["verify_software_token"]


def test_setting_up_the_app_during_sign_in_verifies_the_code_then_answers_with_the_new_session() -> None:
    tokens = {"IdToken": "id", "AccessToken": "access", "ExpiresIn": 3600}
    cognito = Cognito(
        verify_software_token={"Status": "SUCCESS", "Session": "t" * 40},
        respond_to_auth_challenge={"AuthenticationResult": tokens},
        set_user_mfa_preference={},
    )
    outcome = authenticator(cognito).respond("ann", ChallengeName.MFA_SETUP, SESSION, code="123456")
    assert outcome.id_token == "id"  # type: ignore[union-attr]
    names = [name for name, _ in cognito.calls]
    assert names == ["verify_software_token", "respond_to_auth_challenge", "set_user_mfa_preference"]
    assert cognito.calls[1][1]["Session"] == "t" * 40
    assert cognito.calls[1][1]["ChallengeName"] == "MFA_SETUP"


def test_an_mfa_setup_challenge_comes_with_a_secret_associated_with_its_session() -> None:
    cognito = Cognito(
        initiate_auth={
            "ChallengeName": "MFA_SETUP",
            "Session": SESSION,
            "ChallengeParameters": {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]', "USER_ID_FOR_SRP": "ann-id"},
        },
        associate_software_token={"SecretCode": "JBSWY3DPEHPK3PXP", "Session": "u" * 40},
    )
    asked = authenticator(cognito).sign_in("ann@example.org", "pw")
    assert asked == Challenge(ChallengeName.MFA_SETUP, "u" * 40, "ann-id", "JBSWY3DPEHPK3PXP")


@pytest.mark.parametrize(
    "response",
    [
        {"ChallengeName": "SMS_MFA", "Session": SESSION, "ChallengeParameters": {}},
        {"ChallengeName": "EMAIL_OTP", "Session": SESSION, "ChallengeParameters": {}},
        {"ChallengeName": "MFA_SETUP", "Session": SESSION, "ChallengeParameters": {"MFAS_CAN_SETUP": '["SMS_MFA"]'}},
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "ChallengeParameters": {}},  # no session to answer with
    ],
)
def test_a_challenge_this_api_cannot_answer_is_refused_with_401(response: dict[str, Any]) -> None:
    with pytest.raises(Unauthorized) as raised:
        authenticator(Cognito(initiate_auth=response)).sign_in("ann", "pw")
    assert not isinstance(raised.value, SessionExpired)


def test_too_many_sign_in_attempts_is_a_400_not_a_503() -> None:
    cognito = Cognito(initiate_auth=client_error("TooManyRequestsException", "", "InitiateAuth"))
    with pytest.raises(TooManyAttempts):
        authenticator(cognito).sign_in("ann", "pw")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("NotAuthorizedException", Unauthorized),
        ("InvalidParameterException", Conflict),  # SetUserMFAPreference before a code was verified
        ("EnableSoftwareTokenMFAException", CodeMismatch),
        ("CodeMismatchException", CodeMismatch),
        ("InternalErrorException", Unavailable),
    ],
)
def test_a_signed_in_users_set_up_errors_are_domain_errors(code: str, expected: type[Exception]) -> None:
    cognito = Cognito(verify_software_token=client_error(code, "refused", "VerifySoftwareToken"))
    with pytest.raises(expected):
        authenticator(cognito).confirm_totp("access", "123456")


def test_an_answer_without_what_the_challenge_needs_is_refused_before_cognito_is_asked() -> None:
    cognito = Cognito()
    with pytest.raises(ValidationFailed):
        authenticator(cognito).respond("ann", ChallengeName.NEW_PASSWORD, SESSION, code="123456")
    with pytest.raises(ValidationFailed):
        authenticator(cognito).respond("ann", ChallengeName.TOTP, SESSION, new_password="Abcdefghijk1!")
    assert cognito.calls == []
