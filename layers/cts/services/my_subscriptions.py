"""A signed-in user's own alert subscription (``GET``/``PUT /me/subscriptions``).

The e-mail address is the user's own, from the user directory, never the request's: nobody can have alerts sent
to another address. The roles are the caller's (they decide what the e-mails may show); the supervisor flag
(escalations) is honoured only for supervisors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from cts.domain.errors import ValidationFailed
from cts.domain.model import Direction, TransportMode
from cts.domain.risk.engine import Level
from cts.domain.roles import Role
from cts.domain.subscriptions import Subscription
from cts.ports.subscriptions import SubscriptionRepository
from cts.ports.users import UserDirectory

DEFAULT_ID = "main"


@dataclass
class MySubscriptions:
    repository: SubscriptionRepository
    users: UserDirectory

    def mine(self, username: str) -> list[Subscription]:
        return sorted(self.repository.for_user(username), key=lambda s: s.subscription_id)

    def save(
        self,
        username: str,
        roles: Iterable[str],
        *,
        subscription_id: str = DEFAULT_ID,
        ports: Iterable[str] = (),
        modes: Iterable[TransportMode] = (),
        directions: Iterable[Direction] = (),
        categories: Iterable[str] = (),
        min_level: Level = Level.AMBER,
        supervisor: bool = False,
        active: bool = True,
    ) -> Subscription:
        user = self.users.get(username)
        if user is None or not user.email:
            raise ValidationFailed("your account has no e-mail address to send alerts to: ask an administrator")
        held = tuple(sorted(set(roles)))
        try:
            subscription = Subscription(
                subscription_id=subscription_id,
                user_id=username,
                email=user.email,
                roles=held,
                ports=frozenset(ports),
                modes=frozenset(modes),
                directions=frozenset(directions),
                categories=frozenset(c.strip().lower() for c in categories if c.strip()),
                min_level=min_level,
                supervisor=supervisor and Role.SUPERVISOR.value in held,
                active=active,
            )
        except ValidationError as exc:
            raise ValidationFailed("; ".join(str(e["msg"]) for e in exc.errors())) from None
        self.repository.put(subscription)
        return subscription
