"""Who is acting: a user, maybe through a token narrowed by its scopes; the checks every write passes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from plandesk.core.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Actor:
    user_id: str
    name: str
    role: str = "owner"
    token_id: str | None = None
    project_ids: frozenset[str] | None = None  # None: every project
    read_only: bool = False
    toolsets: tuple[str, ...] = ("planning",)
    operations: frozenset[str] | None = None  # connector operations a token narrows to; None: no narrowing
    run_id: str | None = None
    client_name: str | None = None
    via: str = "rest"

    @property
    def can_write(self) -> bool:
        return self.role != "viewer" and not self.read_only

    def sees(self, project_id: str | None) -> bool:
        return self.project_ids is None or project_id in self.project_ids

    def require_visible(
        self, project_id: str | None, resource: str = "project", id_: str | None = None
    ) -> None:
        # Not-found, not forbidden: a scoped token must not learn what exists outside its scope.
        if not self.sees(project_id):
            raise NotFound(resource, id_ or project_id)

    def require_write(self, what: str = "this change") -> None:
        if self.role == "viewer":
            raise Forbidden(f"{what} needs write access; your workspace role is viewer", permission="write")
        if self.read_only:
            raise Forbidden(f"{what} needs write access; this token is read-only", permission="write")

    def require_role(self, *roles: str, what: str) -> None:
        if self.role not in roles:
            raise Forbidden(
                f"{what} needs the role {' or '.join(roles)}; yours is {self.role}", permission="role"
            )

    def with_run(self, run_id: str | None) -> Actor:
        return replace(self, run_id=run_id)
