// The end-to-end tests of an MCP server behind Apache as an OAuth
// protected resource, for one way of checking the access token (stack.mjs:
// 'module' or 'openidc'). The two test files call defineSuite() with
// what differs: the challenges of the refusals.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { decodeJwt, readAudit, tempDir } from '../mcp/harness.mjs';
import { authorizationCodeFlow, clientCredentialsFlow, registerMachineClient } from './client.mjs';
import { clientCredentialsToken, handMadeToken, rawInitialize, reached, sha, strangerKey } from './raw.mjs';
import { ACCOUNTS, startStack, stopStack } from './stack.mjs';

const TIMEOUT = { timeout: 90_000 };

// expect.refusal(name, answer): asserts the answer to a refused token
// (status and challenge) for this configuration; expect.noToken and
// expect.noScope likewise for a request without a token, and with a token
// that lacks the scope. Returns a function that gives the stack, for
// the caller's own tests.
export function defineSuite(mode, expect) {
  // Top-level tests, each a result of make check's TAP.
  const it = (name, fn) => test(`${mode}: ${name}`, TIMEOUT, fn);
  let stack;
  let machine;

  before(async () => {
    stack = await startStack({ dir: tempDir(`tjwt-oauth-${mode}-`), mode,
      log: (m) => console.error(`authorization server: ${m}`) });
    machine = await registerMachineClient(stack.issuer);
  });
  after(async () => {
    if (stack) await stopStack(stack);
  });

  it('the resource metadata names the authorization server', async () => {
    const res = await fetch(stack.metadataUrl);
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.equal(doc.resource, stack.resource);
    assert.deepEqual(doc.authorization_servers, [stack.issuer]);
    assert.deepEqual(doc.scopes_supported, ['mcp:tools']);
  });

  it('a request without a token: 401 with resource_metadata, nothing upstream', async () => {
    const before0 = reached(stack);
    const r = await rawInitialize(stack.mcpUrl);
    assert.equal(r.status, 401);
    assert.match(r.wwwAuthenticate, /^Bearer /);
    assert.ok(r.wwwAuthenticate.includes(`resource_metadata="${stack.metadataUrl}"`), r.wwwAuthenticate);
    expect.noToken(r);
    assert.equal(reached(stack), before0, 'the MCP server saw no request');
  });

  it('the SDK client: 401, discovery, registration, code flow with PKCE and resource, tools', async () => {
    const r = await authorizationCodeFlow({
      mcpUrl: stack.mcpUrl, login: 'alice', password: ACCOUNTS.alice.password,
    });
    // The first request had no token and was refused with the challenge.
    const first = r.seen[0];
    assert.equal(first.url, stack.mcpUrl);
    assert.equal(first.status, 401);
    assert.ok(first.wwwAuthenticate.includes(`resource_metadata="${stack.metadataUrl}"`), first.wwwAuthenticate);
    // It followed resource_metadata, then found the authorization server.
    const urls = r.seen.map((s) => `${s.status} ${s.url}`);
    assert.ok(urls.includes(`200 ${stack.metadataUrl}`), urls.join('\n'));
    assert.ok(r.seen.some((s) => s.url.startsWith(`${stack.issuer}/.well-known/`) && s.status === 200), urls.join('\n'));
    assert.deepEqual(r.provider.record, ['registered', 'redirect', 'tokens']);
    assert.deepEqual(r.steps, ['login form', 'consent form', 'redirected back with a code']);
    const authUrl = new URL(r.authorizationUrl);
    assert.equal(authUrl.origin, stack.issuer);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.match(authUrl.searchParams.get('code_challenge'), /^[\w-]{43}$/);
    assert.equal(authUrl.searchParams.get('resource'), stack.resource);
    // The access token: a JWT for this resource (RFC 8707, RFC 9068).
    const at = decodeJwt(r.accessToken);
    assert.equal(at.header.typ, 'at+jwt');
    assert.equal(at.payload.iss, stack.issuer);
    assert.equal(at.payload.aud, stack.resource);
    assert.equal(at.payload.sub, ACCOUNTS.alice.sub);
    // The MCP server's view: the subject, its groups, the module's token.
    assert.equal(r.whoami.user, ACCOUNTS.alice.sub);
    assert.deepEqual(r.whoami.roles, ACCOUNTS.alice.claims.groups);
    assert.deepEqual(r.whoami.traits.email, [ACCOUNTS.alice.claims.email]);
    assert.equal(r.whoami.token.source, 'Teleport-Jwt-Assertion');
    assert.deepEqual(r.whoami.received, { assertion: 1, authorization: [] });
    assert.ok(r.whoami.token.exp <= at.payload.exp, 'the token the server got ends no later than the access token');
    // The streamed call: progress notifications, then the result.
    assert.equal(r.progress.length, 3);
    assert.equal(r.slow.structuredContent.progressSent, 3);
    assert.match(r.slow.content[0].text, /^done: 3 steps/);
  });

  it("the SDK's client credentials provider", async () => {
    const r = await clientCredentialsFlow({
      mcpUrl: stack.mcpUrl, issuer: stack.issuer, clientId: machine.client_id,
      clientSecret: machine.client_secret, scope: 'mcp:tools',
    });
    assert.equal(r.seen[0].status, 401);
    const at = decodeJwt(r.accessToken);
    assert.equal(at.payload.aud, stack.resource);
    assert.equal(at.payload.sub, machine.client_id);
    assert.equal(r.whoami.user, machine.client_id);
    assert.deepEqual(r.whoami.received, { assertion: 1, authorization: [] });
    assert.equal(r.progress.length, 3);
  });

  const refused = async (name, headers) => {
    const before0 = reached(stack);
    const r = await rawInitialize(stack.mcpUrl, headers);
    expect.refusal(name, r);
    assert.ok(r.wwwAuthenticate?.includes(`resource_metadata="${stack.metadataUrl}"`),
      `${name}: ${r.wwwAuthenticate}`);
    assert.equal(reached(stack), before0, `${name}: the MCP server saw no request`);
    return r;
  };

  it('a token of the authorization server for another resource is refused', async () => {
    const token = await clientCredentialsToken(machine, stack.otherResource);
    assert.equal(decodeJwt(token).payload.aud, stack.otherResource);
    await refused('aud', { Authorization: `Bearer ${token}` });
  });

  it('a token for this resource and another (an aud array) is refused', async () => {
    const token = await handMadeToken(stack.asKey.privateKey, stack.asKey.jwk.kid,
      { iss: stack.issuer, aud: [stack.resource, stack.otherResource] });
    await refused('aud array', { Authorization: `Bearer ${token}` });
  });

  it('an expired token, signed with the authorization server key, is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await handMadeToken(stack.asKey.privateKey, stack.asKey.jwk.kid,
      { iss: stack.issuer, aud: stack.resource, iat: now - 7200, exp: now - 3600 });
    await refused('exp', { Authorization: `Bearer ${token}` });
  });

  it('a token signed by an unknown key is refused (its own kid, or the real one)', async () => {
    const key = await strangerKey();
    for (const kid of ['stranger-1', stack.asKey.jwk.kid]) {
      const token = await handMadeToken(key, kid, { iss: stack.issuer, aud: stack.resource });
      await refused(`key ${kid}`, { Authorization: `Bearer ${token}` });
    }
  });

  it('a token without exp, signed with the authorization server key, is refused', async () => {
    const token = await handMadeToken(stack.asKey.privateKey, stack.asKey.jwk.kid,
      { iss: stack.issuer, aud: stack.resource, exp: null });
    await refused('no exp', { Authorization: `Bearer ${token}` });
  });

  it('a token of another issuer, signed with the right key, is refused', async () => {
    const token = await handMadeToken(stack.asKey.privateKey, stack.asKey.jwk.kid,
      { iss: 'https://issuer.example.test', aud: stack.resource });
    await refused('iss', { Authorization: `Bearer ${token}` });
  });

  it('a token without the scope mcp:tools is refused', async () => {
    const token = await clientCredentialsToken(machine, stack.resource, '');
    assert.equal(decodeJwt(token).payload.scope, undefined);
    const before0 = reached(stack);
    const r = await rawInitialize(stack.mcpUrl, { Authorization: `Bearer ${token}` });
    expect.noScope(r);
    assert.ok(r.wwwAuthenticate.includes(`resource_metadata="${stack.metadataUrl}"`), r.wwwAuthenticate);
    assert.equal(reached(stack), before0, 'the MCP server saw no request');
  });

  it("a client's Teleport-Jwt-Assertion without a token: 401, nothing upstream", async () => {
    const before0 = reached(stack);
    const forged = await handMadeToken(await strangerKey(), 'x', { iss: 'apache.oauth-e2e.test', aud: stack.resource });
    const r = await rawInitialize(stack.mcpUrl, { 'Teleport-Jwt-Assertion': forged });
    assert.equal(r.status, 401);
    assert.equal(reached(stack), before0);
  });

  it("a client's Teleport-Jwt-Assertion with a valid token is replaced by the module's", async () => {
    const token = await clientCredentialsToken(machine, stack.resource);
    const forged = await handMadeToken(await strangerKey(), 'x', { iss: 'apache.oauth-e2e.test', aud: stack.resource });
    const before0 = reached(stack);
    const r = await rawInitialize(stack.mcpUrl, { Authorization: `Bearer ${token}`, 'Teleport-Jwt-Assertion': forged });
    assert.equal(r.status, 200, r.body);
    assert.equal(reached(stack), before0 + 1);
    const last = readAudit(stack.audit).at(-1);
    assert.equal(last.census.assertion, 1, 'one assertion arrived');
    assert.ok(!last.fingerprints.includes(sha(forged)), "the client's assertion did not arrive");
    assert.ok(last.verified, 'the one that arrived verified');
    assert.equal(last.sub, machine.client_id);
    assert.deepEqual(last.census.authorization, []);
  });

  it("no request that reached the MCP server carried the client's Authorization", async () => {
    const all = readAudit(stack.audit);
    assert.ok(all.length >= 8, `requests reached the server: ${all.length}`);
    for (const e of all) {
      assert.deepEqual(e.census.authorization, [], JSON.stringify(e));
      assert.ok(e.verified, `every request that reached the server verified: ${JSON.stringify(e)}`);
    }
  });
  return () => stack;
}
