"""The caller's own alert subscription: ``GET /me/subscriptions`` and ``PUT /me/subscriptions`` (ports, modes,
directions, risk categories, minimum level). E-mails go to the caller's own address in the user directory."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.http import Call, Routes
from cts.domain.errors import Unavailable
from cts.domain.model import Direction, TransportMode
from cts.domain.permissions import Action
from cts.domain.risk.engine import Level
from cts.domain.subscriptions import Subscription
from cts.services.my_subscriptions import DEFAULT_ID, MySubscriptions

routes = Routes()


class SubscriptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscription_id: str = Field(default=DEFAULT_ID, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    ports: list[str] = Field(default_factory=list, max_length=50, description="UN/LOCODEs or IATA codes; empty: any")
    modes: list[TransportMode] = Field(default_factory=list, max_length=10)
    directions: list[Direction] = Field(default_factory=list, max_length=5)
    categories: list[str] = Field(default_factory=list, max_length=50, description="risk categories; empty: any")
    min_level: Level = Level.AMBER
    supervisor: bool = Field(default=False, description="also receive escalations (supervisors only)")
    active: bool = True

    @field_validator("ports", "categories")
    @classmethod
    def _short(cls, values: list[str]) -> list[str]:
        if any(not 1 <= len(v.strip()) <= 64 for v in values):
            raise ValueError("ports and categories are 1 to 64 characters each")
        return values


def _service(call: Call) -> MySubscriptions:
    c = call.container
    if c.subscriptions is None or c.users is None:
        raise Unavailable("alert subscriptions are not configured")
    return MySubscriptions(c.subscriptions, c.users)


class MySubscription(BaseModel):
    subscription_id: str
    email: str = Field(description="the caller's own address in the user directory")
    ports: list[str]
    modes: list[TransportMode]
    directions: list[Direction]
    categories: list[str]
    min_level: Level
    supervisor: bool
    active: bool


class MySubscriptionList(BaseModel):
    subscriptions: list[MySubscription]


def _view(s: Subscription) -> MySubscription:
    data = s.model_dump(mode="json", exclude={"user_id", "roles"})
    for name in ("ports", "modes", "directions", "categories"):
        data[name] = sorted(data[name])
    return MySubscription.model_validate(data)


@routes.api("/me/subscriptions", action=Action.MANAGE_OWN_SUBSCRIPTIONS, response=MySubscriptionList)
def my_subscriptions(call: Call) -> MySubscriptionList:
    return MySubscriptionList(subscriptions=[_view(s) for s in _service(call).mine(call.user.username)])


@routes.api(
    "/me/subscriptions",
    methods=("PUT",),
    action=Action.MANAGE_OWN_SUBSCRIPTIONS,
    body=SubscriptionBody,
    response=MySubscription,
)
def put_my_subscription(call: Call) -> MySubscription:
    """Create or replace one of the caller's subscriptions (``subscription_id``, default ``main``)."""
    body = call.body(SubscriptionBody)
    user = call.user
    saved = _service(call).save(
        user.username,
        user.roles,
        subscription_id=body.subscription_id,
        ports=body.ports,
        modes=body.modes,
        directions=body.directions,
        categories=body.categories,
        min_level=body.min_level,
        supervisor=body.supervisor,
        active=body.active,
    )
    return _view(saved)
