// The TypeScript SDK as a second, independent OAuth client: discovery from a bare 401, registration,
// authorization with PKCE (the person's consent posted as a browser form would), token exchange, a tool call.
// Usage: node oauth_client.mjs <mcp url>; prints one JSON line.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.argv[2]);
const CALLBACK = "http://127.0.0.1:5598/callback";
const store = {};
const provider = {
  get redirectUrl() { return CALLBACK; },
  get clientMetadata() {
    return { client_name: "TS Agent", redirect_uris: [CALLBACK], grant_types: ["authorization_code", "refresh_token"],
             response_types: ["code"], token_endpoint_auth_method: "none" };
  },
  state() { return "ts-state"; },
  clientInformation() { return store.client; },
  saveClientInformation(info) { store.client = info; },
  tokens() { return store.tokens; },
  saveTokens(tokens) { store.tokens = tokens; },
  redirectToAuthorization(authUrl) { store.authUrl = authUrl; },
  saveCodeVerifier(v) { store.verifier = v; },
  codeVerifier() { return store.verifier; },
};

async function consent(authUrl) {
  const first = await fetch(authUrl, { redirect: "manual" });
  const page = new URL(first.headers.get("location"));
  const html = await fetch(page, { headers: { accept: "text/html" } });
  const cookie = html.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const text = await html.text();
  const field = (name) => text.match(new RegExp(`name="${name}" value="([^"]+)"`))[1];
  const form = new URLSearchParams({ csrf_token: field("csrf_token"), request: field("request"), decision: "allow" });
  const answer = await fetch(new URL("/oauth/consent", page), {
    method: "POST", body: form, redirect: "manual", headers: { cookie, origin: page.origin } });
  const back = new URL(answer.headers.get("location"));
  return { code: back.searchParams.get("code"), state: back.searchParams.get("state"),
           clientName: text.match(/id="client-name">([^<]+)</)[1] };
}

const report = {};
let transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
try {
  await new Client({ name: "ts-oauth", version: "0.0.1" }).connect(transport);
} catch (err) {
  if (!(err instanceof UnauthorizedError)) throw err;
  report.unauthorizedFirst = true;
}
const answer = await consent(store.authUrl);
report.state = answer.state;
report.clientName = answer.clientName;
await transport.finishAuth(answer.code);
report.tokenPrefix = store.tokens.access_token.slice(0, 13);
report.hasRefresh = Boolean(store.tokens.refresh_token);
transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
const client = new Client({ name: "ts-oauth", version: "0.0.1" });
await client.connect(transport);
const made = await client.callTool({ name: "create_project", arguments: { name: "Made by the TypeScript SDK" } });
report.isError = made.isError ?? false;
await client.close();
console.log(JSON.stringify(report));
