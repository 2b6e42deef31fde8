from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.ports.email import EmailMessage


class SesEmailSender:
    """SES as a :class:`cts.ports.email.EmailSender`."""

    def __init__(self, sender: str, region: str | None = None) -> None:
        self.sender = sender
        self._region = region

    def send(self, message: EmailMessage) -> str:
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
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "ses send_email") from exc
        return str(response["MessageId"])
