// A third-party MCP client (the official TypeScript SDK) driving Plan Desk with a bearer header.
// Usage: node tests/node/mcp_client.mjs <mcp url> <token>
// Prints one JSON object on stdout; the pytest side asserts on it. Exits non-zero on any unexpected failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error("usage: node mcp_client.mjs <mcp url> <token>");
  process.exit(2);
}

function connect(bearer) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
  });
  return { client: new Client({ name: "ts-sdk-probe", version: "1.0.0" }), transport };
}

const out = {};
const { client, transport } = connect(token);
await client.connect(transport);
out.protocol = transport.protocolVersion ?? null;
out.server = client.getServerVersion();

const { tools } = await client.listTools();
out.tools = tools.map((t) => ({ name: t.name, readOnly: t.annotations?.readOnlyHint ?? null,
                                strict: t.inputSchema?.additionalProperties === false,
                                hasOutputSchema: Boolean(t.outputSchema) }));

// The SDK validates structuredContent against each tool's outputSchema, so a mismatch would throw here.
const project = await client.callTool({ name: "create_project", arguments: { name: "From TypeScript" } });
out.project = { isError: project.isError ?? false, id: project.structuredContent?.id };
const task = await client.callTool({ name: "create_task",
                                     arguments: { project_id: out.project.id, label: "Typed task", tags: ["ts"] } });
out.task = { isError: task.isError ?? false, status: task.structuredContent?.status };
const claim = await client.callTool({ name: "claim_task",
                                      arguments: { task_id: task.structuredContent.id, agent_ref: "ts-agent" } });
out.claim = claim.structuredContent;
const bad = await client.callTool({ name: "create_task", arguments: { project_id: out.project.id, colour: "red" } });
out.bad = { isError: bad.isError ?? false, text: bad.content?.[0]?.text };
await client.close();

// A wrong token: the transport surfaces the HTTP 401 and its JSON body.
const wrong = connect("plandesk_mcp_wrong");
try {
  await wrong.client.connect(wrong.transport);
  out.wrongToken = { connected: true };
} catch (err) {
  out.wrongToken = { connected: false, message: String(err?.message ?? err) };
}

process.stdout.write(JSON.stringify(out) + "\n");
