// Requests made without the SDK, for the refusals: access tokens asked of
// the authorization server for any resource, tokens signed by hand, and a
// bare MCP initialize request with whatever headers a test gives.
import { createHash } from 'node:crypto';

import { SignJWT, generateKeyPair } from 'jose';

import { readAudit } from '../mcp/harness.mjs';

export const sha = (s) => createHash('sha256').update(s).digest('hex').slice(0, 16);

// A client credentials token for resource, straight from the token
// endpoint (the client registered by registerMachineClient).
export async function clientCredentialsToken(machine, resource, scope = 'mcp:tools') {
  const basicAuth = Buffer.from(`${encodeURIComponent(machine.client_id)}:${encodeURIComponent(machine.client_secret)}`)
    .toString('base64');
  const res = await fetch(machine.metadata.token_endpoint, {
    method: 'POST',
    headers: { Authorization: `Basic ${basicAuth}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

// An access token signed with key (a KeyLike) under kid, with the claims
// an authorization server would put in, changed by `claims`.
export async function handMadeToken(key, kid, { iss, aud, sub = 'acct-0001-alice', iat, exp, ...more }) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: 'mcp:tools', client_id: 'hand-made', ...more })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
    .setIssuer(iss).setAudience(aud).setSubject(sub)
    .setIssuedAt(iat ?? now).setJti(sha(String(Math.random())));
  // exp: null leaves it out.
  if (exp !== null) jwt.setExpirationTime(exp ?? now + 600);
  return jwt.sign(key);
}

export async function strangerKey() {
  return (await generateKeyPair('RS256')).privateKey;
}

const initializeBody = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

// POSTs an initialize request; resolves { status, wwwAuthenticate, body }.
export async function rawInitialize(url, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-06-18',
      ...headers,
    },
    body: initializeBody,
  });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body: await res.text(),
    session: res.headers.get('mcp-session-id') };
}

// How many requests reached the MCP server (its audit log has one line
// for each, refused or not).
export const reached = (stack) => readAudit(stack.audit).length;
