"""Users as the administrator manages them: a name, an e-mail, groups (the roles), enabled or not.

Passwords never appear here: a new user gets a temporary password from the identity provider by e-mail and
must change it at first sign-in (Cognito's ``FORCE_CHANGE_PASSWORD``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cts.domain.roles import ROLE_NAMES, Role

MAX_GROUPS = len(ROLE_NAMES)


def _known_groups(groups: tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(groups) - set(ROLE_NAMES))
    if unknown:
        raise ValueError(f"unknown groups {', '.join(unknown)}: use {', '.join(ROLE_NAMES)}")
    return tuple(sorted(set(groups)))


class DirectoryUser(BaseModel):
    model_config = ConfigDict(frozen=True)

    username: str
    email: str | None = None
    groups: tuple[str, ...] = ()
    enabled: bool = True
    status: str = ""  # the identity provider's (CONFIRMED, FORCE_CHANGE_PASSWORD ...)
    carrier_id: str | None = None


class UserPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    users: tuple[DirectoryUser, ...]
    cursor: str | None = None


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    groups: tuple[str, ...] = Field(min_length=1, max_length=MAX_GROUPS)
    carrier_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _known_groups(value)

    @model_validator(mode="after")
    def _carrier_needs_its_id(self) -> NewUser:
        check_carrier(self.groups, self.carrier_id)
        return self


class GroupChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    groups: tuple[str, ...] = Field(min_length=1, max_length=MAX_GROUPS)

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _known_groups(value)


def check_carrier(groups: tuple[str, ...], carrier_id: str | None) -> None:
    """A carrier account is tied to one carrier (its uploads and receipts), and is a carrier only."""
    if Role.CARRIER.value in groups:
        if carrier_id is None:
            raise ValueError("a carrier user needs a carrier_id")
        if len(groups) > 1:
            raise ValueError("a carrier user holds no other group")
    elif carrier_id is not None:
        raise ValueError("carrier_id is only for carrier users")
