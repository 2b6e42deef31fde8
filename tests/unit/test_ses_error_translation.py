"""SES errors become domain errors: what retrying can fix is Unavailable (the queue retries), what it cannot is
DeliveryRejected (recorded on the alert)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from cts.adapters.ses import translate_ses
from cts.domain.errors import Unavailable
from cts.domain.subscriptions import DeliveryRejected


def client_error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "SendEmail")


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("Throttling", "Maximum sending rate exceeded.", Unavailable),
        ("ThrottlingException", "", Unavailable),
        ("ServiceUnavailable", "", Unavailable),
        ("AccountSendingPausedException", "", Unavailable),
        ("MailFromDomainNotVerifiedException", "", Unavailable),
        ("MessageRejected", "Email address is not verified. alerts@customs.example", Unavailable),
        ("MessageRejected", "Email address not verified alerts@customs.example", Unavailable),
        ("MessageRejected", "Address blacklisted.", DeliveryRejected),
        ("InvalidParameterValue", "Missing domain", DeliveryRejected),
    ],
)
def test_ses_errors_are_retryable_unless_the_message_is_refused_for_good(
    code: str, message: str, expected: type[Exception]
) -> None:
    error = translate_ses(client_error(code, message), "ses send_email")
    assert type(error) is expected
    assert code in str(error)


def test_a_network_fault_is_retryable() -> None:
    error = translate_ses(EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com"), "send")
    assert isinstance(error, Unavailable)
