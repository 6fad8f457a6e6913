"""REST: the member roster, adding people, changing roles, removing people, invitation links."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, db_of
from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.core import invitations, members, shares, users
from plandesk.core import models as m
from plandesk.core.vocab import MAX_NAME, ROLES

router = APIRouter(prefix=API_PREFIX, tags=["members"])
Role = Literal[ROLES]  # type: ignore[valid-type]


class MemberIn(Strict):
    email: str = Field(min_length=3, max_length=320)
    role: Role
    name: str | None = Field(default=None, max_length=MAX_NAME)
    password: str = Field(
        min_length=1,
        max_length=1024,
        description="At least 10 characters; to let the person choose their own, send an invitation instead",
    )


class RoleIn(Strict):
    role: Role


class InvitationIn(Strict):
    role: Role
    email: str | None = Field(default=None, max_length=320)
    expires: str | None = Field(default=None, max_length=10, description="e.g. 24h or 7d; at most 30d")


def invitation_url(request: Request, path: str) -> str:
    origin, _ = shares.public_origin(request.app.state.settings, str(request.base_url))
    return origin + path


@router.get("/members", **returns(m.Roster))
def roster(actor: ActorDep, db=Depends(db_of)):
    return members.roster(db, actor)


@router.post("/members", status_code=201, **returns(m.Member))
def add_member(body: MemberIn, actor: ActorDep, db=Depends(db_of)):
    """Owners and admins add a person directly (with a password) instead of sending an invitation."""
    return users.create_user(
        db, actor, email=body.email, role=body.role, name=body.name, password=body.password
    )


@router.patch("/members/{user_id}", **returns(m.Member))
def change_role(user_id: str, body: RoleIn, actor: ActorDep, db=Depends(db_of)):
    return users.change_role(db, actor, user_id, body.role)


@router.delete("/members/{user_id}", **returns(m.Member))
def remove_member(user_id: str, actor: ActorDep, db=Depends(db_of)):
    """Removes the person and, in the same transaction, revokes their tokens and ends their sessions."""
    return users.remove_user(db, actor, user_id)


@router.get("/invitations", **returns(list[m.Invitation]))
def list_invitations(actor: ActorDep, db=Depends(db_of)):
    return invitations.list_invitations(db, actor)


@router.post("/invitations", status_code=201, **returns(m.Invitation))
def create_invitation(body: InvitationIn, request: Request, actor: ActorDep, db=Depends(db_of)):
    """The link is in the answer once; copy it to the person (no mail is sent)."""
    result = invitations.create_invitation(db, actor, role=body.role, email=body.email, expires=body.expires)
    return {
        **{k: v for k, v in result.items() if k not in ("token", "path")},
        "url": invitation_url(request, result["path"]),
    }


@router.delete("/invitations/{invitation_id}", status_code=204)
def revoke_invitation(invitation_id: str, actor: ActorDep, db=Depends(db_of)):
    invitations.revoke_invitation(db, actor, invitation_id)
    return Response(status_code=204)
