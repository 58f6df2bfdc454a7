#!/usr/bin/env node
// A sample MCP client for the sample server behind Apache: connects with
// the MCP SDK's streamable-HTTP client, authenticating to Apache with Basic
// auth (Apache then signs the token the server verifies), calls whoami and
// prints what the server verified, runs slow_progress and prints each
// progress notification as it arrives, and ends the session with DELETE.
//
// Usage: MCP_PASSWORD=secret node client.mjs --url http://127.0.0.1:8780/mcp
//            --user alice [--expect-user alice] [--steps 3]
// The password comes from the environment so that it never shows in ps.
// Exits 0 only if every step worked (and whoami named --expect-user).
import { webcrypto } from 'node:crypto';
import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

// Node 18 (Debian 12's nodejs): Web Crypto where the SDK looks for it.
globalThis.crypto ??= webcrypto;

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    user: { type: 'string' },
    'expect-user': { type: 'string' },
    steps: { type: 'string', default: '3' },
  },
});
const password = process.env.MCP_PASSWORD;
if (!values.url || !values.user || password === undefined) {
  console.error('usage: MCP_PASSWORD=... client.mjs --url URL --user NAME [--expect-user NAME] [--steps N]');
  process.exit(2);
}
const steps = Number(values.steps);
const basic = 'Basic ' + Buffer.from(`${values.user}:${password}`).toString('base64');
const utc = (s) => new Date(s * 1000).toISOString().replace('T', ' ').replace(/\.000Z$/, ' UTC');

const transport = new StreamableHTTPClientTransport(new URL(values.url), {
  requestInit: { headers: { Authorization: basic } },
});
const client = new Client({ name: 'tjwt-sample-client', version: '1.0.0' });
let ok = true;
try {
  await client.connect(transport);
  console.log(`connected to ${client.getServerVersion()?.name} through ${values.url}`);
  console.log(`  session (Mcp-Session-Id): ${transport.sessionId}`);
  const { tools } = await client.listTools();
  console.log(`  tools: ${tools.map((t) => t.name).join(', ')}`);

  const who = (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent;
  console.log('whoami: what the MCP server verified');
  console.log(`  user:     ${who.user}`);
  console.log(`  roles:    ${who.roles.join(', ') || '(none)'}`);
  console.log(`  traits:   ${Object.entries(who.traits).map(([k, v]) => `${k}=${v.join(',')}`).join('; ') || '(none)'}`);
  console.log(`  token:    ${who.token.alg}, kid ${who.token.kid}, from the ${who.token.source} header`);
  console.log(`  issuer:   ${who.token.issuer}`);
  console.log(`  audience: ${[who.token.audience].flat().join(', ')}`);
  console.log(`  iat/exp:  ${utc(who.token.iat)} / ${utc(who.token.exp)}`);
  if (values['expect-user'] !== undefined && who.user !== values['expect-user']) {
    console.log(`  expected user ${values['expect-user']}: MISMATCH`);
    ok = false;
  }

  console.log(`slow_progress: ${steps} progress notifications over SSE, then the result`);
  const start = Date.now();
  const progress = [];
  const res = await client.callTool(
    { name: 'slow_progress', arguments: { steps, intervalMs: 400 } },
    undefined,
    {
      onprogress: (p) => {
        progress.push(Date.now());
        console.log(`  +${String(Date.now() - start).padStart(5)} ms  progress ${p.progress}/${p.total}: ${p.message}`);
      },
    },
  );
  const done = res.structuredContent;
  console.log(`  +${String(Date.now() - start).padStart(5)} ms  result: ${res.content[0].text}`);
  const streamed = progress.length === done.progressSent && progress.length > 0 && progress[0] < done.finishedAt;
  console.log(streamed
    ? '  streamed: the first notification arrived while the tool was still running'
    : '  NOT streamed: the notifications arrived only with the result (a buffering proxy?)');
  ok &&= streamed;

  await transport.terminateSession();
  console.log('session ended (DELETE)');
} catch (e) {
  console.error(`MCP client: ${e.message}`);
  ok = false;
} finally {
  await client.close().catch(() => {});
}
process.exit(ok ? 0 : 1);
