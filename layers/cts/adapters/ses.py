from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client
from cts.domain.errors import CtsError, Unavailable
from cts.domain.subscriptions import DeliveryRejected
from cts.ports.email import EmailMessage

# SES refuses these for good: the same message to the same address will be refused again. Everything else
# (throttling, a paused account, an unverified sender being fixed, a network fault, a 5xx) may pass later.
_PERMANENT = {"MessageRejected", "InvalidParameterValue", "ValidationError", "ValidationException"}


def translate_ses(exc: ClientError | BotoCoreError, what: str) -> CtsError:
    """Rejected for good -> :class:`DeliveryRejected` (recorded on the alert); anything else -> :class:`Unavailable`
    (the queue retries the message with its backoff, then keeps it in the dead-letter queue)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        # An unverified sender is the operator's to fix, not the recipient's fault: retry until it is.
        if code in _PERMANENT and "not verified" not in message.lower():
            return DeliveryRejected(f"{what}: {code}: {message}")
        return Unavailable(f"{what}: {code}: {message}")
    return Unavailable(f"{what}: {exc}")


class SesEmailSender:
    """SES as a :class:`cts.ports.email.EmailSender`."""

    def __init__(self, sender: str, region: str | None = None, configuration_set: str | None = None) -> None:
        self.sender = sender
        self._region = region
        self._configuration_set = configuration_set

    def send(self, message: EmailMessage) -> str:
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        try:
            response = client("ses", self._region).send_email(
                Source=self.sender,
                Destination={"ToAddresses": list(message.to)},
                Message={
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": message.text, "Charset": "UTF-8"},
                        "Html": {"Data": message.html, "Charset": "UTF-8"},
                    },
                },
                **extra,
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate_ses(exc, "ses send_email") from exc
        return str(response["MessageId"])
