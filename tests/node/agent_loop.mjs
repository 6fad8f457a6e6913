// A scripted agent on the official TypeScript SDK that works a plan by the skill's loop (src/plandesk/agents/
// skill.md) with only the tools it is listed. Every call that is not listed, throws, or answers isError is
// counted as invalid.
// Usage: node tests/node/agent_loop.mjs <mcp url> <token> <project id> <agent ref>
// Prints one JSON object on stdout; the pytest side asserts on it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token, projectId, agentRef] = process.argv.slice(2);
if (!url || !token || !projectId || !agentRef) {
  console.error("usage: node agent_loop.mjs <mcp url> <token> <project id> <agent ref>");
  process.exit(2);
}

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "ts-scripted-agent", version: "1.0.0" });
await client.connect(transport);

const listed = new Set((await client.listTools()).tools.map((t) => t.name));
const out = { listed: [...listed].sort(), called: [], invalid: [], done: [], finalReason: null };

async function call(name, args) {
  out.called.push(name);
  if (!listed.has(name)) {
    out.invalid.push({ name, why: "not listed" });
    return null;
  }
  try {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) {
      out.invalid.push({ name, why: r.content?.[0]?.text });
      return null;
    }
    return r.structuredContent;
  } catch (err) {
    out.invalid.push({ name, why: String(err?.message ?? err) });
    return null;
  }
}

// Orient (step 1), then take work until nothing is ready (steps 2-7).
const context = await call("get_agent_context", { project_id: projectId, agent_ref: agentRef });
out.orientedOn = context?.project?.id ?? null;
for (let turn = 0; turn < 50; turn++) {
  const claim = await call("claim_next_task", { project_id: projectId, agent_ref: agentRef });
  if (!claim) break;
  if (!claim.claimed) {
    out.finalReason = claim.reason;
    break;
  }
  const task = claim.task;
  const run = await call("start_agent_run", { project_id: projectId, label: `Work: ${task.label}`,
                                              task_ids: [task.id] });
  const spec = await call("get_agent_context", { project_id: projectId, agent_ref: agentRef });
  if (spec?.current_task?.id !== task.id) out.invalid.push({ name: "get_agent_context", why: "not my task" });
  await call("record_agent_progress", { run_id: run?.id, message: `did the work for ${task.label}` });
  const done = await call("update_task", { task_id: task.id, version: task.version, status: "done" });
  if (done?.status === "done") out.done.push(task.id);
  await call("complete_agent_run", { run_id: run?.id, status: "completed", summary: `${task.label}: done` });
}
await client.close();
process.stdout.write(JSON.stringify(out) + "\n");
