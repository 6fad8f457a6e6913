"""The headless runner: claim the next ready task, work it in a worktree with a worker command, gate, settle.

Settling: worker exit 0 and gate passes → done; worker exit non-zero or gate fails → back to todo with a
comment; the worker asks for input (exit 3 or .plandesk/NEEDS_INPUT.md) → scope with its question.
"""

from __future__ import annotations

import shlex
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio

from plandesk.agents import brief, child_process, gate
from plandesk.agents.binding import RUNNER_DIR
from plandesk.agents.bound_repo import BoundRepo
from plandesk.agents.worktrees import Worktree, Worktrees
from plandesk.client.errors import ToolError

T = TypeVar("T")


@dataclass
class RunnerOptions:
    worker: list[str]
    concurrency: int = 1
    max_tasks: int | None = None
    until_idle: bool = False
    poll_seconds: float = 10.0
    lease_seconds: int = 300
    worker_timeout: float = 3600.0
    gate_timeout: float = 900.0
    base_ref: str = "HEAD"
    require_gate: bool = False


@dataclass
class Settlement:
    task_id: str
    label: str
    outcome: str  # done | todo | scope | elsewhere (someone else settled it) | lost (the lease was lost)
    detail: str
    run_id: str | None = None
    branch: str | None = None


@dataclass
class _Attempt:
    task: dict[str, Any]
    ref: str
    run_id: str
    tree: Worktree | None = None
    state: Path | None = None
    events: list[str] = field(default_factory=list)


class Runner:
    def __init__(
        self,
        client: Any,
        bound: BoundRepo,
        options: RunnerOptions,
        *,
        token: str,
        agent_ref: str,
        say: Callable[[str], None] = print,
    ) -> None:
        self.client = client
        self.bound = bound
        self.options = options
        self.token = token
        self.agent_ref = agent_ref
        self.say = say
        self.worktrees = Worktrees(bound.root, options.base_ref)
        self.settled: list[Settlement] = []
        self.gave_back: set[str] = set()  # tasks this process failed: not retried by it (no thrashing)
        self._taken = 0
        self.stopped = False

    async def run(self, *, stop_on_signals: bool = False) -> list[Settlement]:
        async with anyio.create_task_group() as outer:
            if stop_on_signals:
                outer.start_soon(self._stop_on_signal, outer.cancel_scope)
            async with anyio.create_task_group() as slots:
                for slot in range(max(1, self.options.concurrency)):
                    slots.start_soon(self._slot, f"{self.agent_ref}/runner-{slot + 1}")
            outer.cancel_scope.cancel()
        return self.settled

    async def _stop_on_signal(self, scope: anyio.CancelScope) -> None:
        """SIGTERM or SIGINT: stop the workers and hand their tasks back, instead of leaving them orphaned."""
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for received in signals:
                self.say(f"runner: {signal.Signals(received).name}: stopping, handing tasks back")
                self.stopped = True
                scope.cancel()
                return

    async def _slot(self, ref: str) -> None:
        while self.options.max_tasks is None or self._taken < self.options.max_tasks:
            self._taken += 1  # reserve before awaiting, so concurrent slots never overshoot --max-tasks
            task = await self._claim_next(ref)
            if task is None:
                self._taken -= 1
                if self.options.until_idle:
                    return
                await anyio.sleep(self.options.poll_seconds)  # a daemon's poll interval between empty looks
                continue
            self.settled.append(await self._work(task, ref))

    async def _claim_next(self, ref: str) -> dict[str, Any] | None:
        for _ in range(10):
            found = await self.client.get_next_task(self.bound.project_id)
            task = found.get("next_task")
            if not task or task["id"] in self.gave_back:
                return None
            claim = await self.client.claim_task(task["id"], ref, lease_seconds=self.options.lease_seconds)
            if claim.get("claimed"):
                return claim["task"]
            # Another agent won this one; the frontier has moved on, so look again.
        return None

    async def _note(
        self, a: _Attempt, message: str, kind: str = "progress", data: dict | None = None
    ) -> None:
        self.say(f"[{a.task['id'][:8]}] {message}")
        try:
            await self.client.record_agent_progress(a.run_id, message[:4000], kind=kind, data=data)
        except ToolError as exc:
            self.say(f"[{a.task['id'][:8]}] could not record progress: {exc.message}")

    async def _work(self, task: dict[str, Any], ref: str) -> Settlement:
        try:
            run = await self.client.start_agent_run(
                self.bound.project_id, label=f"runner: {task['label']}"[:500], task_ids=[task["id"]]
            )
        except ToolError as exc:  # no run to record on: hand the task straight back rather than hold it
            why = f"could not open an agent run: {exc.message}"
            self.gave_back.add(task["id"])
            await self.client.release_task(task["id"], ref, reason=why)
            self.say(f"[{task['id'][:8]}] {why}")
            return Settlement(task["id"], task["label"], "todo", why)
        a = _Attempt(task=task, ref=ref, run_id=run["id"])
        await self._note(a, f"claimed by {ref} (lease {self.options.lease_seconds} s)")
        try:
            result = await self._attempt(a)
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True), anyio.move_on_after(30):
                await self._stopped(a)
            raise
        except Exception as exc:  # noqa: BLE001 - anything unplanned: the task must not stay in_progress with nobody on it
            result = await self._give_back(a, f"The runner hit an error: {type(exc).__name__}: {exc}", "")
        status = "completed" if result.outcome in ("done", "scope", "elsewhere") else "failed"
        try:
            await self.client.complete_agent_run(a.run_id, status, summary=result.detail[:2000])
        except ToolError as exc:
            self.say(f"[{task['id'][:8]}] could not close run {a.run_id}: {exc.message}")
        return result

    async def _with_lease(self, a: _Attempt, work: Callable[[], Awaitable[T]]) -> tuple[T | None, str | None]:
        """Run `work` while renewing the claim on a timer; if the claim is lost, stop the work."""
        interval = max(2.0, self.options.lease_seconds / 3)
        lost: str | None = None
        result: T | None = None
        async with anyio.create_task_group() as tg:

            async def renew() -> None:
                nonlocal lost
                while True:
                    await anyio.sleep(interval)
                    try:
                        await self.client.renew_claim(
                            a.task["id"], a.ref, lease_seconds=self.options.lease_seconds
                        )
                    except ToolError as exc:
                        lost = exc.message
                        tg.cancel_scope.cancel()
                        return

            tg.start_soon(renew)
            result = await work()
            tg.cancel_scope.cancel()
        return result, lost

    async def _attempt(self, a: _Attempt) -> Settlement:
        tid = a.task["id"]
        a.tree = tree = await self.worktrees.create(tid, a.task["label"])
        a.state = self.bound.root / RUNNER_DIR / tree.path.name
        a.state.mkdir(parents=True, exist_ok=True)
        await self._note(
            a,
            f"worktree {tree.path} on branch {tree.branch}",
            "artifact",
            {"branch": tree.branch, "worktree": str(tree.path), "base": tree.base_sha},
        )
        task = await self.client.get_task(tid)
        try:
            gate_argvs = gate.commands_in(task.get("description"))
        except gate.GateSyntaxError as exc:
            return await self._to_scope(a, f"The task's gate cannot be run: {exc}. Fix the gate line.", "")
        docs = await brief.linked_documents(self.client, self.bound.project_id, tid)
        text = brief.render(
            task,
            docs,
            gate=gate_argvs,
            branch=tree.branch,
            worktree=str(tree.path),
            base_sha=tree.base_sha,
            agent_ref=a.ref,
            run_id=a.run_id,
        )
        brief_path = a.state / "brief.md"
        brief_path.write_text(text, encoding="utf-8")
        env = child_process.minimal_env(
            {
                "PLANDESK_URL": self.bound.server_url,
                "PLANDESK_MCP_TOKEN": self.token,
                "PLANDESK_PROJECT_ID": self.bound.project_id,
                "PLANDESK_TASK_ID": tid,
                "PLANDESK_RUN_ID": a.run_id,
                "PLANDESK_AGENT_REF": a.ref,
                "PLANDESK_TASK_FILE": str(brief_path),
                "PLANDESK_WORKTREE": str(tree.path),
            }
        )
        worker_log = a.state / "worker.log"
        await self._note(a, f"worker started: {shlex.join(self.options.worker)}")
        outcome, lost = await self._with_lease(
            a,
            lambda: child_process.run(
                self.options.worker,
                cwd=tree.path,
                env=env,
                log_path=worker_log,
                timeout=self.options.worker_timeout,
                stdin_text=text,
            ),
        )
        if lost is not None or outcome is None:
            return await self._lost(a, lost or "the claim was lost")
        await self._note(a, f"worker finished: {outcome.error or f'exit {outcome.exit_code}'}")
        current = await self.client.get_task(tid)
        if current.get("status") != "in_progress" or current.get("claimed_by") != a.ref:
            return Settlement(
                tid,
                a.task["label"],
                "elsewhere",
                f"the task is now {current.get('status')} (settled by someone else); left as it is",
                a.run_id,
                tree.branch,
            )
        question = tree.path / brief.NEEDS_INPUT_FILE
        if question.is_file() or outcome.exit_code == brief.NEEDS_INPUT_EXIT:
            asked = (
                question.read_text(encoding="utf-8", errors="replace")[:8000] if question.is_file() else ""
            )
            return await self._to_scope(
                a,
                "The worker needs input before it can go on:\n\n"
                + (asked.strip() or "(it exited 3 without writing a question)"),
                child_process.tail(worker_log),
            )
        if outcome.exit_code != 0:
            return await self._give_back(
                a,
                f"The worker failed ({outcome.error or f'exit {outcome.exit_code}'}); "
                "the task is back in todo.",
                child_process.tail(worker_log),
            )
        if not gate_argvs:
            if self.options.require_gate:
                return await self._to_scope(
                    a,
                    "This task has no gate (a `gate:` line or a fenced `gate` block), "
                    "and this runner requires one. Add it, then move the task to todo.",
                    "",
                )
            return await self._done(a, "worker exited 0; the task has no gate")
        await self._note(a, "gate: " + "; ".join(shlex.join(g) for g in gate_argvs))
        gate_log = a.state / "gate.log"
        result, lost = await self._with_lease(
            a,
            lambda: gate.run_gate(
                gate_argvs, cwd=tree.path, env=env, log_path=gate_log, timeout=self.options.gate_timeout
            ),
        )
        if lost is not None or result is None:
            return await self._lost(a, lost or "the claim was lost during the gate")
        if result.passed:
            return await self._done(a, f"gate passed ({len(result.commands)} command(s))")
        return await self._give_back(
            a,
            f"The gate failed: {result.failed_command}; the task is back in todo.",
            child_process.tail(gate_log),
        )

    async def _version(self, a: _Attempt) -> int:
        # update_task needs the version it overwrites; the runner only touches status and commit_refs, so the
        # current one is right (a person's edit to the text meanwhile is kept, as before).
        return (await self.client.get_task(a.task["id"]))["version"]

    async def _done(self, a: _Attempt, why: str) -> Settlement:
        assert a.tree is not None
        changes: dict[str, Any] = {"status": "done"}
        head = await self.worktrees.head(a.tree)
        if head != a.tree.base_sha:
            refs = list(dict.fromkeys([*a.task.get("commit_refs", []), head]))
            changes["commit_refs"] = refs[-50:]
        await self.client.update_task(a.task["id"], version=await self._version(a), **changes)
        await self._note(a, f"done: {why}")
        removed = await self.worktrees.remove_if_clean(a.tree)
        return Settlement(
            a.task["id"],
            a.task["label"],
            "done",
            why + ("" if removed else f"; worktree kept at {a.tree.path} (uncommitted changes)"),
            a.run_id,
            a.tree.branch,
        )

    async def _hand_back(self, a: _Attempt, why: str, output: str) -> None:
        """Leave the task to others: keep or remove its worktree and say why (with the output) on the task."""
        self.gave_back.add(a.task["id"])
        kept = await self._keep_or_remove(a)
        body = brief.comment(
            f"Runner {a.ref}: {why}", output, branch=a.tree.branch if a.tree else None, kept=kept
        )
        await self.client.add_comment("task", a.task["id"], body[:60_000])

    async def _give_back(self, a: _Attempt, why: str, output: str) -> Settlement:
        await self._hand_back(a, why, output)
        await self.client.release_task(a.task["id"], a.ref, reason=why[:2000])
        await self._note(a, why, "error")
        return Settlement(
            a.task["id"], a.task["label"], "todo", why, a.run_id, a.tree.branch if a.tree else None
        )

    async def _to_scope(self, a: _Attempt, why: str, output: str) -> Settlement:
        await self._hand_back(a, why, output)
        await self.client.update_task(a.task["id"], status="scope", version=await self._version(a))
        await self._note(a, "moved to scope: needs a person", "decision")
        return Settlement(
            a.task["id"],
            a.task["label"],
            "scope",
            why.splitlines()[0],
            a.run_id,
            a.tree.branch if a.tree else None,
        )

    async def _lost(self, a: _Attempt, why: str) -> Settlement:
        self.gave_back.add(a.task["id"])
        await self._note(a, f"stopped: {why}", "error")
        return Settlement(
            a.task["id"], a.task["label"], "lost", why, a.run_id, a.tree.branch if a.tree else None
        )

    async def _stopped(self, a: _Attempt) -> None:
        """The runner is stopping mid-task: the worker is already killed; give the task back and close the run."""
        why = "the runner was stopped before the task was settled"
        try:
            await self.client.release_task(a.task["id"], a.ref, reason=why)
            await self.client.record_agent_progress(a.run_id, why, kind="error")
            await self.client.complete_agent_run(a.run_id, "cancelled", summary=why)
        except ToolError as exc:
            self.say(f"[{a.task['id'][:8]}] could not hand the task back: {exc.message}")
        self.settled.append(
            Settlement(
                a.task["id"], a.task["label"], "todo", why, a.run_id, a.tree.branch if a.tree else None
            )
        )

    async def _keep_or_remove(self, a: _Attempt) -> str | None:
        if a.tree is None:
            return None
        return None if await self.worktrees.remove_if_clean(a.tree) else str(a.tree.path)


async def run_bound(
    start: Path, options: RunnerOptions, say: Callable[[str], None] = print
) -> list[Settlement]:
    """Run against the repository bound at or above `start`, with its token (or $PLANDESK_MCP_TOKEN)."""
    import os

    from plandesk.agents import bound_repo, worktrees
    from plandesk.client import AsyncPlanDeskClient

    bound = bound_repo.load(start)
    token, _ = bound_repo.token_for(bound.root)
    if os.environ.get(bound_repo.URL_ENV):
        bound = BoundRepo(bound.root, bound_repo.origin_of(os.environ[bound_repo.URL_ENV]), bound.project_id)
    if not await worktrees.is_repository(bound.root):
        raise bound_repo.BindingError(
            f"{bound.root} is not a git repository; the runner works in git worktrees"
        )
    async with AsyncPlanDeskClient(bound.server_url, token, client_name="plandesk-runner") as client:
        runner = Runner(
            client,
            bound,
            options,
            token=token,
            agent_ref=bound_repo.agent_ref_for(bound.root, token),
            say=say,
        )
        return await runner.run(stop_on_signals=True)
