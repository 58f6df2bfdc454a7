// MCP servers behind Apache, end to end (issue 6): a private httpd with the
// module in front of two instances of the sample MCP server (mcp/server),
// driven by the MCP SDK's own client over streamable HTTP.
//
//   /mcp          Basic auth; the token in Teleport-Jwt-Assertion
//   /bearer/mcp   Basic auth; TeleportJWTHeader Authorization
//                 "Bearer {{internal.jwt}}", no assertion header
//
// Each server verifies every request's token with jose against the JWKS
// Apache serves, with its own audience: the canonical URI of that MCP
// endpoint as clients see it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT, generateKeyPair } from 'jose';

import {
  Httpd, basic, decodeJwt, freePort, htpasswd, readAudit, removeTempDirs, startMcpServer, tempDir,
} from './harness.mjs';

const ISSUER = 'apache.mcp.test';
const USERS = { alice: randomBytes(9).toString('base64url'), bob: randomBytes(9).toString('base64url') };
const TIMEOUT = { timeout: 60_000 };

// The forgeries a client tries: a well-formed token for the right issuer
// and audience, naming the real kid, but signed with the client's own key.
let forged;
const sha = (s) => createHash('sha256').update(s).digest('hex').slice(0, 16);

let dir;
let httpd;
let port;
const servers = {};

// The JSON-RPC headers of a streamable-HTTP POST, for requests made
// without the SDK.
function rpcHeaders(extra = {}) {
  return {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    'MCP-Protocol-Version': '2025-06-18',
    ...extra,
  };
}
const initializeBody = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});
const whoamiBody = JSON.stringify({
  jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} },
});

before(async () => {
  dir = tempDir();
  htpasswd(join(dir, 'htpasswd'), USERS);

  // Apache's port first: the servers need its JWKS URL and their audience.
  port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const jwksUrl = `${base}/.well-known/jwks.json`;
  const audA = `${base}/mcp`;
  const audB = `${base}/bearer/mcp`;
  [servers.a, servers.b] = await Promise.all([
    startMcpServer({ jwksUrl, issuer: ISSUER, audience: audA, auditLog: join(dir, 'audit-a.jsonl') }),
    startMcpServer({ jwksUrl, issuer: ISSUER, audience: audB, auditLog: join(dir, 'audit-b.jsonl') }),
  ]);
  servers.a.audience = audA;
  servers.b.audience = audB;
  servers.a.audit = join(dir, 'audit-a.jsonl');
  servers.b.audit = join(dir, 'audit-b.jsonl');

  // What keeps SSE streaming through mod_proxy_http: flushpackets=on
  // (send each piece as it comes), a timeout longer than the longest
  // quiet spell of a stream, and no mod_deflate or other buffering filter.
  const proxyParams = 'flushpackets=on timeout=300 ttl=60';
  const auth = [
    '    AuthType Basic',
    '    AuthName "MCP"',
    `    AuthUserFile "${dir}/htpasswd"`,
    '    Require valid-user',
  ];
  const claims = [
    '    TeleportJWT On',
    `    TeleportJWTIssuer ${ISSUER}`,
    '    TeleportJWTRoles "mcp-user,reader"',
    '    TeleportJWTRoles "%{REMOTE_USER}-role"',
    '    TeleportJWTTrait logins "%{REMOTE_USER},ubuntu"',
    '    TeleportJWTTrait env "staging"',
  ];
  httpd = new Httpd({
    dir,
    name: ISSUER,
    ports: [port],
    confFn: () => [
      '<Location /.well-known/jwks.json>',
      '    SetHandler teleport-jwks',
      '    Require all granted',
      '</Location>',
      '<Location /mcp>',
      ...auth,
      ...claims,
      `    TeleportJWTAudience ${audA}`,
      // The upstream trusts the token and has no use for the password.
      '    RequestHeader unset Authorization',
      `    ProxyPass ${servers.a.url} ${proxyParams}`,
      '</Location>',
      '<Location /bearer/mcp>',
      ...auth,
      ...claims,
      `    TeleportJWTAudience ${audB}`,
      '    TeleportJWTAssertionHeader Off',
      '    TeleportJWTHeader Authorization "Bearer {{internal.jwt}}"',
      `    ProxyPass ${servers.b.url} ${proxyParams}`,
      '</Location>',
      // A token for server A, handed to the client, for the audience test.
      '<Location /token-a>',
      ...auth,
      ...claims,
      `    TeleportJWTAudience ${audA}`,
      '    Header always set X-Token "%{TELEPORT_JWT}e"',
      '</Location>',
    ],
  });
  writeFileSync(join(dir, 'htdocs', 'token-a'), 'ok\n');
  await httpd.start();

  const jwks = await (await fetch(jwksUrl)).json();
  const { privateKey } = await generateKeyPair('RS256');
  forged = await new SignJWT({ username: 'mallory', roles: ['admin'], traits: {} })
    .setProtectedHeader({ alg: 'RS256', kid: jwks.keys[0].kid, typ: 'JWT' })
    .setSubject('mallory').setIssuer(ISSUER).setAudience([audA, audB])
    .setIssuedAt().setNotBefore('-10s').setExpirationTime('10m')
    .sign(privateKey);
});

after(async () => {
  await httpd?.stop();
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  removeTempDirs();
});

const modes = [
  {
    name: 'Teleport-Jwt-Assertion', path: '/mcp', server: 'a',
    census: { assertion: 1, authorization: [] },
  },
  {
    name: 'Authorization: Bearer {{internal.jwt}}', path: '/bearer/mcp', server: 'b',
    census: { assertion: 0, authorization: ['Bearer'] },
  },
];

for (const mode of modes) {
  describe(`through Apache, token in ${mode.name}`, TIMEOUT, () => {
    let client;
    let transport;
    let sessionId;
    let server;
    // Every header the client sends: its Basic credentials, with a forged
    // bearer token next to them (two Authorization lines arrive as one,
    // comma-joined, which is what this is) and a forged assertion.
    const clientHeaders = () => ({
      Authorization: `${basic('alice', USERS.alice)}, Bearer ${forged}`,
      'Teleport-Jwt-Assertion': forged,
    });

    before(async () => {
      server = servers[mode.server];
      transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}${mode.path}`), {
        requestInit: { headers: clientHeaders() },
      });
      client = new Client({ name: 'tjwt-test-client', version: '1.0.0' });
      await client.connect(transport);
    });

    after(async () => {
      await client?.close();
    });

    it('initializes a session: the server answers with an Mcp-Session-Id', () => {
      sessionId = transport.sessionId;
      assert.match(sessionId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(client.getServerVersion()?.name, 'tjwt-sample-mcp-server');
    });

    it('lists the tools', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['slow_progress', 'whoami']);
    });

    it('whoami: the server verified user, roles and traits as Apache asserted them', async () => {
      const res = await client.callTool({ name: 'whoami', arguments: {} });
      const who = res.structuredContent;
      assert.equal(who.user, 'alice');
      assert.deepEqual(who.roles, ['mcp-user', 'reader', 'alice-role']);
      assert.deepEqual(who.traits, { env: ['staging'], logins: ['alice', 'ubuntu'] });
      assert.equal(who.token.issuer, ISSUER);
      assert.deepEqual(who.token.audience, [server.audience]);
      assert.equal(who.token.alg, 'RS256');
      assert.equal(who.token.source, mode.name.split(':')[0]);
      // Exactly one token header arrived, the module's: the forged copies
      // were removed (or, for the client's Authorization, unset).
      assert.deepEqual(who.received, mode.census);
      assert.equal(who.session.id, sessionId);
    });

    it('slow_progress: progress notifications arrive over SSE while the tool is still running', async () => {
      const steps = 5;
      const progress = [];
      let seq = 0;
      const res = await client.callTool(
        { name: 'slow_progress', arguments: { steps, intervalMs: 300 } },
        undefined,
        { onprogress: (p) => progress.push({ ...p, at: Date.now(), seq: ++seq }) },
      );
      const resultSeq = ++seq;
      const resultAt = Date.now();
      const done = res.structuredContent;
      // As many notifications as the tool sent, in order, all before the result.
      assert.equal(done.progressSent, steps);
      assert.equal(progress.length, done.progressSent);
      assert.deepEqual(progress.map((p) => p.progress), [1, 2, 3, 4, 5]);
      assert.ok(progress.every((p) => p.total === steps && p.seq < resultSeq));
      // Not buffered until the end: the first notification reached the
      // client before the tool had even finished (finishedAt is the
      // server's clock, the same machine's as ours).
      assert.ok(progress[0].at < done.finishedAt,
        `first progress at ${progress[0].at}, tool finished at ${done.finishedAt}`);
      assert.ok(progress[0].at <= progress.at(-1).at && progress.at(-1).at <= resultAt);
    });

    it('keeps the session across requests, each with a token verified as fresh', async () => {
      const res = await client.callTool({ name: 'whoami', arguments: {} });
      const who = res.structuredContent;
      assert.equal(transport.sessionId, sessionId);
      assert.equal(who.session.id, sessionId);
      // initialize, notifications/initialized, the GET stream, tools/list,
      // whoami, slow_progress and this whoami: each request brought a
      // token of its own that the server verified.
      const { tokens } = who.session;
      assert.ok(tokens.length >= 6, `only ${tokens.length} tokens recorded`);
      for (const t of tokens) {
        assert.equal(t.source, mode.name.split(':')[0]);
        assert.ok(t.nbf === undefined || t.nbf <= t.verifiedAt + 60);
        assert.ok(t.iat <= t.verifiedAt + 60, `iat ${t.iat} is in the future of ${t.verifiedAt}`);
        assert.ok(t.exp > t.verifiedAt - 60, `exp ${t.exp} had passed at ${t.verifiedAt}`);
      }
      assert.ok(tokens.some((t) => t.method === 'GET'), 'the SSE stream (GET) carried a token too');
      assert.ok(tokens.filter((t) => t.method === 'POST').length >= 5);
    });

    it('the session belongs to its user: bob cannot use it', async () => {
      const r = await fetch(`http://127.0.0.1:${port}${mode.path}`, {
        method: 'POST',
        headers: rpcHeaders({ Authorization: basic('bob', USERS.bob), 'Mcp-Session-Id': sessionId }),
        body: whoamiBody,
      });
      assert.equal(r.status, 403);
      await r.text();
    });

    it('ends the session with DELETE', async () => {
      await transport.terminateSession();
      assert.equal(transport.sessionId, undefined);
      const r = await fetch(`http://127.0.0.1:${port}${mode.path}`, {
        method: 'POST',
        headers: rpcHeaders({ Authorization: basic('alice', USERS.alice), 'Mcp-Session-Id': sessionId }),
        body: whoamiBody,
      });
      assert.equal(r.status, 404);
      await r.text();
      const deletes = readAudit(server.audit).filter((e) => e.method === 'DELETE' && e.session === sessionId);
      assert.equal(deletes.length, 1);
      assert.ok(deletes[0].verified, 'the DELETE carried a verified token');
    });

    it('the server never saw a client-supplied token header', () => {
      const seen = readAudit(server.audit);
      assert.ok(seen.length >= 8);
      const forgeries = new Set([
        sha(forged), sha(`Bearer ${forged}`), sha(clientHeaders().Authorization),
        sha(basic('alice', USERS.alice)),
      ]);
      for (const e of seen) {
        assert.ok(!e.fingerprints.some((f) => forgeries.has(f)), `forged header in ${JSON.stringify(e)}`);
        assert.ok(e.verified, `a request the server refused: ${JSON.stringify(e)}`);
        // The only token header line was the module's, and it verified.
        assert.deepEqual(e.fingerprints, [e.verified]);
        assert.deepEqual(e.census, mode.census);
      }
    });
  });
}

describe('the MCP server without Apache', TIMEOUT, () => {
  const post = (url, headers, body = initializeBody) =>
    fetch(url, { method: 'POST', headers: rpcHeaders(headers), body });

  it('answers 401 to a request without a token', async () => {
    for (const s of [servers.a, servers.b]) {
      const r = await post(s.url, {});
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /);
      await r.text();
    }
  });

  it('answers 401 to the SDK client connecting directly', async () => {
    const client = new Client({ name: 'direct', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(servers.a.url), {
      requestInit: { headers: { Authorization: basic('alice', USERS.alice) } },
    });
    await assert.rejects(client.connect(transport), /401|Unauthorized/);
    await client.close();
  });

  it('answers 401 to forged tokens, in either header', async () => {
    const [h, p] = forged.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const hs256 = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${p}.${forged.split('.')[2]}`;
    void h;
    for (const headers of [
      { 'Teleport-Jwt-Assertion': forged },
      { Authorization: `Bearer ${forged}` },
      { 'Teleport-Jwt-Assertion': none },
      { Authorization: `Bearer ${hs256}` },
    ]) {
      for (const s of [servers.a, servers.b]) {
        const r = await post(s.url, headers);
        assert.equal(r.status, 401, JSON.stringify(headers).slice(0, 40));
        assert.match(r.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        await r.text();
      }
    }
  });

  it('answers 401 with a clean header when the error text holds a newline', async () => {
    // jose's message for an unknown "crit" entry quotes it; a newline in
    // a header value once made the server answer 500 with a stack trace.
    const [, p, sig] = forged.split('.');
    const header = { alg: 'RS256', typ: 'JWT', crit: ['x\r\nSet-Cookie: y'] };
    const token = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.${sig}`;
    for (const s of [servers.a, servers.b]) {
      const r = await post(s.url, { 'Teleport-Jwt-Assertion': token });
      assert.equal(r.status, 401);
      const h = r.headers.get('www-authenticate') ?? '';
      assert.match(h, /^Bearer realm="mcp", error="invalid_token", error_description="[^"\\]*"$/);
      assert.doesNotMatch(h, /Set-Cookie|crit/);
      assert.equal(r.headers.get('set-cookie'), null);
      assert.doesNotMatch(await r.text(), /Set-Cookie|TypeError|node:/);
    }
  });

  it('accepts a real token only for its own audience', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/token-a`, {
      headers: { Authorization: basic('alice', USERS.alice) },
    });
    assert.equal(r.status, 200);
    await r.text();
    const token = r.headers.get('x-token');
    assert.deepEqual(decodeJwt(token).payload.aud, [servers.a.audience]);
    // Server B's audience is another URI: refused.
    const rb = await post(servers.b.url, { Authorization: `Bearer ${token}` });
    assert.equal(rb.status, 401);
    assert.match(await rb.text(), /aud/);
    // Server A's: accepted (a bearer token works for whoever holds it,
    // which is why only Apache may hand it on).
    const ra = await post(servers.a.url, { 'Teleport-Jwt-Assertion': token });
    assert.equal(ra.status, 200);
    await ra.text();
  });
});
