"""One typed model per thing the core services return: the single description of every shape.

The core services build plain dicts (fast, and what the database and the MCP results want); these models say
what those dicts hold. From them come the REST response models and the OpenAPI document (api/*.py), the
MCP output schemas (mcp/shapes.py) and the client's TypedDicts (client/types.py, written by
`python -m plandesk.core.typegen --write`). tests/test_api_response_models.py checks real answers against them.

Models are open (`extra="allow"`): a field the core adds passes through to clients before a model names it;
the test above fails on any field a model does not name, so that window stays short. A field that only some
answers carry has a default; REST leaves it out of an answer that does not carry it (exclude_unset).
Timestamps are ISO 8601 strings in UTC, as the core writes them.

At the end, the request models (strict, `extra="forbid"`): what a caller sends to create or change a thing. REST
reads its request bodies with them and the MCP tool arguments are generated from them (mcp/shapes.arguments).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from plandesk.core import vocab
from plandesk.core.documents import MAX_STATUS_LINE
from plandesk.core.goals import MAX_TEXT as MAX_GOAL_TEXT

TaskStatus = Literal[vocab.TASK_STATUSES]  # type: ignore[valid-type]
TaskKind = Literal[vocab.TASK_KINDS]  # type: ignore[valid-type]
Priority = Literal[vocab.PRIORITIES]  # type: ignore[valid-type]
EdgeLabel = Literal[vocab.EDGE_LABELS]  # type: ignore[valid-type]
EndpointType = Literal[vocab.EDGE_ENDPOINT_TYPES]  # type: ignore[valid-type]
EdgeStyle = Literal[vocab.EDGE_STYLES]  # type: ignore[valid-type]
ArrowDirection = Literal[vocab.ARROW_DIRECTIONS]  # type: ignore[valid-type]
GoalStatus = Literal[vocab.GOAL_STATUSES]  # type: ignore[valid-type]
RunStatus = Literal[vocab.RUN_STATUSES]  # type: ignore[valid-type]
NoTaskReason = Literal[vocab.NO_TASK_REASONS]  # type: ignore[valid-type]
ClaimMissReason = Literal[vocab.CLAIM_MISS_REASONS]  # type: ignore[valid-type]
ClaimRefusalReason = Literal[vocab.CLAIM_REFUSAL_REASONS]  # type: ignore[valid-type]
RunEventKind = Literal[vocab.RUN_EVENT_KINDS]  # type: ignore[valid-type]
CommentTarget = Literal[vocab.COMMENT_TARGETS]  # type: ignore[valid-type]
RevisionTarget = Literal[vocab.REVISION_TARGETS]  # type: ignore[valid-type]
Role = Literal[vocab.ROLES]  # type: ignore[valid-type]
Toolset = Literal[vocab.TOOLSETS]  # type: ignore[valid-type]
Operation = Literal[vocab.CONNECTOR_OPERATIONS]  # type: ignore[valid-type]

# The limits the core checks, as types: the request models at the end of this file use them, and from those come
# the REST request bodies and the MCP tool arguments (mcp/shapes.py), so a limit is written once.
Label = Annotated[str, StringConstraints(min_length=1, max_length=vocab.MAX_LABEL)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=vocab.MAX_NAME)]
LongText = Annotated[str, StringConstraints(max_length=vocab.MAX_BODY)]
ShortText = Annotated[str, StringConstraints(max_length=vocab.MAX_REASON)]  # reasons, paths, URLs
AgentRef = Annotated[str, StringConstraints(min_length=1, max_length=vocab.MAX_AGENT_REF)]
PersonRef = Annotated[str, StringConstraints(max_length=vocab.MAX_AGENT_REF)]
DateText = Annotated[str, StringConstraints(max_length=vocab.MAX_COMMIT_REF)]
TagNames = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=vocab.MAX_TAG)]],
    Field(max_length=vocab.MAX_TAGS),
]
CommitRefs = Annotated[
    list[Annotated[str, StringConstraints(max_length=vocab.MAX_COMMIT_REF)]], Field(max_length=vocab.MAX_TAGS)
]
LeaseSeconds = Annotated[int, Field(ge=10, le=vocab.MAX_LEASE_SECONDS)]
Version = Annotated[int, Field(ge=1)]
Id = Annotated[str, Field(json_schema_extra={"format": "uuid"})]  # the core answers a malformed one itself

Timestamp = str  # ISO 8601, UTC, e.g. 2026-12-04T21:26:42.288523Z
Json = dict[str, Any]


class Model(BaseModel):
    """Open: a field the core adds later passes through instead of being dropped."""

    model_config = ConfigDict(extra="allow")


T = TypeVar("T")


class Page(Model, Generic[T]):
    """Every REST list: one page of items, how many there are (counted up to vocab.TOTAL_COUNT_CAP), and the
    cursor of the next page (null on the last)."""

    items: list[T]
    total: int
    next_cursor: str | None


class Problem(Model):
    """The body of every 4xx answer (application/problem+json): `code` is stable, `field` names what to fix."""

    type: str
    title: str | None = None
    status: int
    code: str
    message: str
    field: str | None = None


# ----- projects and tasks -----


class StatusCounts(Model):
    scope: int
    todo: int
    in_progress: int
    done: int
    backlog: int
    total: int


class Project(Model):
    id: str
    name: str
    description: str
    repo_path: str | None
    repo_url: str | None
    current_goal_id: str | None
    canvas_layout: Json | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    summary: StatusCounts | None = Field(default=None, description="Task counts per status (one project).")


class Task(Model):
    id: str
    project_id: str
    goal_id: str | None
    label: str
    status: TaskStatus
    kind: TaskKind
    priority: Priority | None
    description: str
    assignee: str | None
    due_date: str | None
    tags: list[str]
    commit_refs: list[str]
    x: float
    y: float
    claimed_by: str | None
    lease_expires_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    description_truncated: bool = Field(default=False, description="In a preview: the description is cut.")


class Tag(Model):
    id: str
    name: str
    color: str | None


class TaskRef(Model):
    id: str
    label: str
    status: TaskStatus


class BlockedTask(Model):
    id: str
    label: str
    waiting_on: list[TaskRef]


class GoalRef(Model):
    id: str
    name: str | None


class NextTask(Model):
    """The next ready task without claiming it; null with a `reason` when there is none."""

    next_task: Task | None
    blocked: list[BlockedTask]
    blocked_total: int
    ready_count: int
    goal_id: str | None
    reason: NoTaskReason | None = Field(default=None, description="Why next_task is null.")
    ambiguous_goals: list[GoalRef] | None = None


class Claim(Model):
    """A claim's answer: claimed with the task and its lease, or claimed false with a `reason`."""

    claimed: bool
    task: Task | None
    lease_expires_at: Timestamp | None = None
    reason: ClaimMissReason | None = Field(default=None, description="Why claimed is false.")
    message: str | None = None
    ambiguous_goals: list[GoalRef] | None = None


class ClaimRefusal(Problem):
    """A refused claim of one task (REST 409): the problem body plus what an agent branches on."""

    claimed: Literal[False]
    task_id: str
    reason: ClaimRefusalReason
    held_by: str | None = None
    lease_expires_at: Timestamp | None = None
    waiting_on: list[str] | None = None
    current_status: TaskStatus | None = None


class Renewal(Model):
    task_id: str
    claimed_by: str | None
    lease_expires_at: Timestamp | None


class Release(Model):
    released: bool
    task: Task


class GraphNode(Model):
    id: str
    label: str
    status: TaskStatus
    prerequisites: list[str]
    fan_in: int
    depth: int


class TaskGraph(Model):
    nodes: list[GraphNode]
    roots: list[str]
    cycles: list[list[str]]
    would_be_actionable_if_scope_released: list[str]


class Edge(Model):
    id: str
    project_id: str
    from_type: EndpointType
    from_id: str
    to_type: EndpointType
    to_id: str
    label: EdgeLabel | None
    style: EdgeStyle | None
    arrow_direction: ArrowDirection | None
    created_at: Timestamp


# ----- documents, folders, notes, comments -----


class Document(Model):
    id: str
    project_id: str
    title: str
    body: str
    status_line: str | None
    parent_id: str | None
    folder_id: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    body_truncated: bool = Field(default=False, description="In a preview: the body is cut.")


class DocumentLink(Model):
    type: EndpointType
    id: str
    title: str | None
    label: EdgeLabel | None
    edge_id: str


class DocumentChild(Model):
    id: str
    title: str


class DocumentDetail(Document):
    """One document with its outgoing links, incoming backlinks and child documents."""

    links: list[DocumentLink]
    backlinks: list[DocumentLink]
    children: list[DocumentChild]


class Folder(Model):
    id: str
    project_id: str
    name: str
    parent_id: str | None
    created_at: Timestamp
    updated_at: Timestamp


class FolderNode(Model):
    id: str
    name: str
    parent_id: str | None
    doc_count: int
    folders: list[FolderNode]


class FolderTree(Model):
    folders: list[FolderNode]
    unfiled_count: int


class DocumentList(Page[Document]):
    folders: list[FolderNode]
    unfiled_count: int


class MoveFailure(Model):
    id: str
    error: str
    code: str


class MovedDocuments(Model):
    moved: list[str]
    failed: list[MoveFailure]
    folder_id: str | None


class Note(Model):
    id: str
    project_id: str
    title: str
    body: str
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    body_truncated: bool = Field(default=False, description="In a preview: the body is cut.")


class Comment(Model):
    id: str
    project_id: str
    target_type: CommentTarget
    target_id: str
    body: str
    passage: str | None
    resolved: bool
    author: str | None
    created_at: Timestamp
    updated_at: Timestamp


# ----- goals and agent runs -----


class Goal(Model):
    id: str
    project_id: str
    name: str | None
    objective: str | None
    status: GoalStatus
    verification_surface: Json | None
    constraints: str | None
    boundaries: str | None
    iteration_policy: str | None
    stop_condition: str | None
    budget: str | None
    last_verification: Json | None
    is_current: bool
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    task_counts: StatusCounts | None = None
    cycles: list[list[str]] | None = None
    cycle_tasks: list[Json] | None = None


class GoalInvocation(Model):
    """Starting work on a goal: the goal, its next ready task and what is blocked."""

    goal: Goal
    next_task: Task | None
    ready_count: int
    blocked: list[BlockedTask]
    reason: str | None = None


class GoalCompletion(Model):
    """A verification verdict: completed and green, or red with the remediation task that tracks it."""

    completed: bool
    green: bool
    goal: Goal
    remediation_task: Task | None = None
    remediation_created: bool | None = None
    failed: list[Any] | None = None


class RunEvent(Model):
    """One entry in an agent run's record: progress, a decision, an artifact or an error."""

    id: str
    run_id: str
    kind: RunEventKind
    message: str
    data: Json | None
    created_at: Timestamp


class LastEvent(Model):
    message: str
    created_at: Timestamp


class AgentRun(Model):
    id: str
    project_id: str
    label: str
    status: RunStatus
    summary: str | None
    user_id: str | None
    token_id: str | None
    client_name: str | None
    started_at: Timestamp
    completed_at: Timestamp | None
    duration_seconds: float
    task_ids: list[str]
    events: list[RunEvent] | None = Field(default=None, description="One run: its latest events.")
    event_count: int | None = None
    events_truncated: bool | None = None
    last_event: LastEvent | None = Field(default=None, description="In a list: the latest event.")


class RunProgress(Model):
    run_id: str
    status: RunStatus
    event: RunEvent


# ----- history: revisions, audit, trash -----


class Revision(Model):
    id: str
    project_id: str
    target_type: RevisionTarget
    target_id: str
    changed_fields: list[str] | None
    author: str | None
    created_at: Timestamp
    snapshot: Json | None = Field(default=None, description="One revision: the item as it was.")


class RevisionList(Model):
    items: list[Revision]


class AuditEntry(Model):
    id: int
    project_id: str | None
    actor_id: str | None
    actor_name: str | None
    token_id: str | None
    run_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    changed_fields: list[str] | None
    detail: Json | None
    created_at: Timestamp


class TrashItem(Model):
    id: str
    project_id: str
    item_type: str
    item_id: str
    title: str | None
    deleted_by: str | None
    deleted_at: Timestamp
    purge_after: Timestamp
    links: int = Field(description="How many links come back with it.")
    comments: int


class Restored(Model):
    item_type: str
    item_id: str
    project_id: str
    title: str | None
    links_restored: int
    comments_restored: int
    skipped: list[Any]


class Purged(Model):
    purged: int


# ----- people, tokens, shares, approvals -----


class Token(Model):
    """An API token as listed: never its secret nor the secret's hash."""

    id: str
    user_id: str | None
    name: str
    prefix: str
    project_ids: list[str] | None
    read_only: bool
    toolsets: list[Toolset]
    operations: list[Operation] | None
    created_at: Timestamp
    last_used_at: Timestamp | None
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    state: str


class NewToken(Token):
    token: str = Field(description="The secret, shown this once.")


class Share(Model):
    id: str
    project_id: str
    target_type: str
    target_id: str
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    created_at: Timestamp
    state: str


class ShareLink(Share):
    url: str
    markdown_url: str
    reachable_from: str


class Member(Model):
    id: str
    email: str | None
    name: str | None
    role: Role
    has_password: bool
    created_at: Timestamp
    removed_at: Timestamp | None
    active_tokens: int | None = None
    signed_in_sessions: int | None = None
    is_you: bool | None = None
    can_manage: bool | None = None
    tokens_revoked: int | None = Field(default=None, description="Removing a member: tokens revoked.")
    sessions_ended: int | None = None


class Invitation(Model):
    id: str
    email: str | None
    role: Role
    expires_at: Timestamp | None
    used_at: Timestamp | None
    created_at: Timestamp
    state: str
    url: str | None = Field(default=None, description="Creating one: the link to send, shown this once.")


class InvitationPreview(Model):
    role: Role
    email: str | None
    expires_at: Timestamp | None


class UserRef(Model):
    id: str
    name: str | None
    role: Role


class Roster(Model):
    members: list[Member]
    invitations: list[Invitation]
    you: UserRef
    can_invite: bool
    assignable_roles: list[Role]


class Me(Model):
    user_id: str | None
    name: str | None
    role: Role | None
    via: str
    token_id: str | None
    can_write: bool
    local_mode: bool


class SignedIn(Model):
    user: Json
    expires_at: Timestamp
    csrf_token: str


class PasswordChanged(Model):
    user: UserRef
    sessions_ended: int
    csrf_token: str | None = None  # present when the answer replaced this browser's session


class Approval(Model):
    id: str
    project_id: str | None
    project_name: str | None
    user_id: str | None
    requested_by: str | None
    token_id: str | None
    operation: str
    tool: str | None
    args_digest: str | None
    summary: str
    status: str
    decided_by: str | None
    created_at: Timestamp
    decided_at: Timestamp | None
    expires_at: Timestamp
    link: str


# ----- settings, search, health -----


class Permissions(Model):
    matrix: dict[Role, list[Operation]]
    approval_required: list[Operation]
    operations: list[Operation]
    roles: list[Role]


class Sandbox(Model):
    unsandboxed: bool
    sandbox_available: bool


class McpSettings(Model):
    allow_url_token: bool
    updated_at: Timestamp | None


class TaskRules(Model):
    refuse_blocked_moves: bool
    updated_at: Timestamp | None


class OAuthSettings(Model):
    registration_open: bool
    redirect_hosts: list[str]
    updated_at: Timestamp | None = Field(
        default=None, description="Changing them: when, or null if unchanged."
    )


class ConnectorConfig(Model):
    project_id: str
    enabled: bool
    code_root: str | None
    recipes: list[Json]
    databases: list[Json]
    exec_allowlist: list[Any]
    exec_network: bool
    updated_at: Timestamp | None


class Check(Model):
    name: str
    ok: bool
    detail: str | None


class ConnectionTest(Model):
    ok: bool
    problem: str | None
    checks: list[Check]


class SearchHit(Model):
    kind: str
    id: str
    project_id: str
    title: str | None
    excerpt: str | None


class SearchResults(Model):
    query: str
    results: list[SearchHit]


class Health(Model):
    ok: bool
    version: str
    database: str
    backend: str


class Scaffolded(Model):
    project: Project
    created_project: bool
    key_to_id: dict[str, str]
    tasks: list[Task]
    edges: list[Edge]
    documents: list[Json]


# The types a client program reads, in the order client/types.py lists them (core/typegen.py writes it).
CLIENT_TYPES: tuple[type[BaseModel], ...] = (
    StatusCounts,
    Project,
    Task,
    Tag,
    TaskRef,
    BlockedTask,
    GoalRef,
    NextTask,
    Claim,
    Renewal,
    Release,
    Edge,
    Document,
    DocumentLink,
    DocumentChild,
    DocumentDetail,
    Note,
    Comment,
    Goal,
    RunEvent,
    LastEvent,
    AgentRun,
    Revision,
    TrashItem,
    Token,
    Share,
    Problem,
    ClaimRefusal,
)


# ----- what a caller sends to create or change a thing: the REST request bodies, and the MCP tool arguments -----
# (mcp/shapes.py). Every field is optional but the required ones; a null for a field not in CLEARABLE is left to
# the core to refuse.

VERSION_READ = (
    "The version you read; a newer edit makes the call fail with a conflict instead of being overwritten."
)
MARKDOWN = "Markdown."


class Input(BaseModel):
    """Strict: a misspelt field is refused, never silently ignored."""

    model_config = ConfigDict(extra="forbid")
    CLEARABLE: ClassVar[tuple[str, ...]] = ()  # the fields whose null clears them

    def data(self) -> dict:
        """The fields the caller sent, as the core's services take them."""
        return self.model_dump(exclude_unset=True)


class ProjectFields(Input):
    name: Name | None = None
    description: LongText | None = Field(default=None, description=MARKDOWN)
    repo_path: ShortText | None = Field(default=None, description="Repository folder on the server machine.")
    repo_url: ShortText | None = None


class ProjectIn(ProjectFields):
    name: Name


class ProjectPatch(ProjectFields):
    CLEARABLE = ("repo_path", "repo_url", "current_goal_id", "canvas_layout")

    current_goal_id: Id | None = None
    canvas_layout: dict | None = None
    version: Version | None = Field(default=None, description=VERSION_READ)


TaskLabel = Annotated[Label, Field(description="Imperative, e.g. 'Add retry to the upload client'.")]


class TaskFields(Input):
    CLEARABLE = ("priority", "assignee", "due_date", "commit_refs", "goal_id")

    label: TaskLabel | None = None
    status: TaskStatus | None = None
    kind: TaskKind | None = None
    priority: Priority | None = None
    description: LongText | None = Field(
        default=None, description="Markdown: what done means; a line `gate: <command>` is the check."
    )
    assignee: PersonRef | None = None
    due_date: DateText | None = Field(default=None, description="YYYY-MM-DD")
    tags: TagNames | None = Field(default=None, description="Tag names; replaces the set.")
    commit_refs: CommitRefs | None = Field(default=None, description="Commit shas; replaces the list.")
    goal_id: Id | None = None
    x: float | None = None
    y: float | None = None


class TaskIn(TaskFields):
    label: TaskLabel


class TaskPatch(TaskFields):
    version: Version | None = Field(default=None, description=VERSION_READ)


class ClaimIn(Input):
    agent_ref: AgentRef = Field(description="Your stable agent name, e.g. 'claude-code@laptop#2'.")
    lease_seconds: LeaseSeconds | None = Field(
        default=None,
        description=f"Seconds the claim holds unless renewed (default {vocab.DEFAULT_LEASE_SECONDS}).",
    )


class ReleaseIn(Input):
    agent_ref: AgentRef | None = Field(
        default=None, description="Your stable agent name, e.g. 'claude-code@laptop#2'."
    )
    reason: ShortText | None = None


class EdgeIn(Input):
    from_type: EndpointType | None = Field(default=None, description="Default task.")
    from_id: Id | None = None
    to_type: EndpointType | None = Field(default=None, description="Default task.")
    to_id: Id | None = None
    from_task_id: Id | None = None
    to_task_id: Id | None = None
    label: EdgeLabel | None = None
    style: EdgeStyle | None = None
    arrow_direction: ArrowDirection | None = None


class NoteFields(Input):
    title: Label | None = None
    body: LongText | None = Field(default=None, description=MARKDOWN)


class NoteIn(NoteFields):
    title: Label


class NotePatch(NoteFields):
    version: Version | None = Field(default=None, description=VERSION_READ)


DocumentTitle = Annotated[
    Label, Field(description="Prefixed: 'Investigation:', 'Scope:', 'Design:', 'Decision:' or 'Fix:'.")
]


class DocumentFields(Input):
    title: DocumentTitle | None = None
    body: LongText | None = Field(default=None, description=MARKDOWN)
    status_line: Annotated[str, StringConstraints(max_length=MAX_STATUS_LINE)] | None = Field(
        default=None, description="e.g. 'Status: Ready to implement'."
    )
    parent_id: Id | None = None  # a document; folders are folder_id
    folder_id: Id | None = None
    link_to: Id | Annotated[list[Id], Field(max_length=200)] | None = Field(
        default=None, description="Id(s) of the tasks or documents it covers; on update, replaces the links."
    )


class DocumentIn(DocumentFields):
    title: DocumentTitle


class DocumentPatch(DocumentFields):
    CLEARABLE = ("status_line", "parent_id", "folder_id")

    version: Version | None = Field(default=None, description=VERSION_READ)


class FolderFields(Input):
    name: Name | None = None
    parent_id: Id | None = None  # a folder; none: top level


class FolderIn(FolderFields):
    name: Name


class FolderPatch(FolderFields):
    """Folders carry no version: a rename or a move cannot overwrite anyone's text."""

    CLEARABLE = ("parent_id",)


GoalText = Annotated[str, StringConstraints(max_length=MAX_GOAL_TEXT)]
Criterion = Annotated[str, StringConstraints(max_length=2000)]
PersonName = Annotated[str, StringConstraints(max_length=vocab.MAX_NAME)]
VerificationKind = Literal[vocab.VERIFICATION_SURFACES]  # type: ignore[valid-type]


class ChecklistItem(Input):
    id: Annotated[str, StringConstraints(max_length=64)] | None = None
    criterion: Criterion


class VerificationSurface(Input):
    """How completion is verified."""

    kind: VerificationKind
    command: Criterion | None = Field(default=None, description="gate_command: its exit status decides.")
    items: Annotated[list[Criterion | ChecklistItem], Field(max_length=100)] | None = Field(
        default=None, description="acceptance_checklist: the criteria."
    )
    approver: PersonName | None = Field(default=None, description="human_sign_off: who signs off.")


class Evidence(Input):
    """complete: evidence for the goal's verification surface."""

    exit_code: int | None = Field(default=None, description="gate_command: its exit status.")
    command: Criterion | None = None
    approved_by: PersonName | None = Field(default=None, description="human_sign_off: who approved.")
    approved: bool | None = None
    checked: Annotated[list[Criterion], Field(max_length=100)] | None = Field(
        default=None, description="acceptance_checklist: item ids or criteria met."
    )
    failed: Annotated[list[Criterion], Field(max_length=100)] | None = Field(
        default=None, description="Item ids or criteria not met."
    )
    detail: GoalText | None = None


class GoalFields(Input):
    name: PersonName | None = Field(default=None, description="Unique in the project.")
    objective: Annotated[GoalText, StringConstraints(min_length=1)] | None = Field(
        default=None, description="What done means."
    )
    constraints: GoalText | None = None
    boundaries: GoalText | None = None
    iteration_policy: GoalText | None = None
    stop_condition: GoalText | None = Field(default=None, description="When to stop and ask a person.")
    budget: GoalText | None = None
    verification_surface: VerificationSurface | None = None


class GoalIn(GoalFields):
    objective: Annotated[GoalText, StringConstraints(min_length=1)] = Field(description="What done means.")
    status: Literal["active", "paused"] | None = None


class GoalPatch(GoalFields):
    CLEARABLE = ("verification_surface",)

    status: str | None = Field(default=None, description="not writable: use /pause, /resume or /complete")
    version: Version | None = Field(default=None, description=VERSION_READ)


# The arguments a client program passes as keyword arguments to the client's create and update methods, as
# client/types.py lists them: (the TypedDict's name, the input model, the fields the method takes as positional
# parameters instead). Each is a `total=False` TypedDict: a field the caller leaves out stays out.
CLIENT_ARGUMENTS: tuple[tuple[str, type[Input], tuple[str, ...]], ...] = (
    ("NewTaskFields", TaskIn, ("label",)),
    ("TaskChanges", TaskPatch, ()),
    ("NewEdgeFields", EdgeIn, ("from_id", "to_id", "from_task_id", "to_task_id")),
    ("NewDocumentFields", DocumentIn, ("title",)),
)
