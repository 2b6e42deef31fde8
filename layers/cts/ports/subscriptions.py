from __future__ import annotations

from typing import Protocol

from cts.domain.subscriptions import Subscription


class SubscriptionRepository(Protocol):
    """Analysts' alert subscriptions, stored per user."""

    def put(self, subscription: Subscription) -> None:
        """Create or replace the user's subscription with this id (an inactive one leaves the active list)."""
        ...

    def for_user(self, user_id: str) -> list[Subscription]: ...

    def delete(self, user_id: str, subscription_id: str) -> None: ...

    def active(self) -> list[Subscription]:
        """Every active subscription of every user: one small partition, read without a scan."""
        ...
