// The MCP SDK's client as an MCP host runs it against an MCP server that
// Apache protects: with the SDK's OAuth machinery and nothing else (no
// token, client id or authorization server given in advance).
//
// authorizationCodeFlow(): the SDK's OAuthClientProvider interface, kept
// in memory; the "browser" is browser.mjs. The client connects with no
// token, gets 401, reads resource_metadata, the authorization server's
// metadata, registers, sends the user to the authorization URL (PKCE S256,
// resource), exchanges the code, connects again and calls tools.
//
// clientCredentialsFlow(): a client registered beforehand (here by RFC 7591
// too) and the SDK's ClientCredentialsProvider.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, discoverAuthorizationServerMetadata, registerClient } from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';

import { authorizeInBrowser } from './browser.mjs';

// A host's OAuthClientProvider, in memory. record lists what the SDK did
// through it, in order.
export class MemoryOAuthProvider {
  constructor(redirectUrl) {
    this._redirectUrl = redirectUrl;
    this.record = [];
  }

  get redirectUrl() { return this._redirectUrl; }

  get clientMetadata() {
    return {
      client_name: 'tjwt OAuth end-to-end client',
      redirect_uris: [this._redirectUrl],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() { return this._client; }

  saveClientInformation(info) {
    this.record.push('registered');
    this._client = info;
  }

  tokens() { return this._tokens; }

  saveTokens(tokens) {
    this.record.push('tokens');
    this._tokens = tokens;
  }

  redirectToAuthorization(url) {
    this.record.push('redirect');
    this.authorizationUrl = url;
  }

  saveCodeVerifier(v) { this._verifier = v; }

  codeVerifier() { return this._verifier; }

  saveDiscoveryState(state) { this.discovery = state; }
}

// Calls whoami, then slow_progress with progress notifications: the
// result of a streamed call (server-sent events through Apache).
async function callTools(client) {
  const who = await client.callTool({ name: 'whoami', arguments: {} });
  const progress = [];
  const slow = await client.request(
    { method: 'tools/call', params: { name: 'slow_progress', arguments: { steps: 3, intervalMs: 50 } } },
    CallToolResultSchema,
    { onprogress: (p) => progress.push(p), timeout: 30_000 },
  );
  return { whoami: who.structuredContent, slow, progress };
}

// Every fetch the SDK's transport and auth code make, for a test to see
// the 401 and the discovery requests.
function recordingFetch(seen) {
  return async (url, init) => {
    const res = await fetch(url, init);
    seen.push({ method: init?.method ?? 'GET', url: String(url), status: res.status,
      wwwAuthenticate: res.headers.get('www-authenticate') });
    return res;
  };
}

export async function authorizationCodeFlow({ mcpUrl, redirectUrl = 'http://127.0.0.1:1/callback', login, password }) {
  const provider = new MemoryOAuthProvider(redirectUrl);
  const seen = [];
  const steps = [];
  const fetchFn = recordingFetch(seen);
  let transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: fetchFn });
  let client = new Client({ name: 'tjwt-oauth-e2e', version: '1.0.0' });
  let firstError;
  try {
    await client.connect(transport);
  } catch (e) {
    firstError = e;
  }
  if (!(firstError instanceof UnauthorizedError)) {
    throw new Error(`the first connection should need authorization: ${firstError?.stack ?? 'it connected'}`);
  }
  await client.close().catch(() => {});
  const authUrl = provider.authorizationUrl;
  const { code } = await authorizeInBrowser(authUrl, { redirectUrl, login, password, steps });
  await transport.finishAuth(code);

  transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: fetchFn });
  client = new Client({ name: 'tjwt-oauth-e2e', version: '1.0.0' });
  await client.connect(transport);
  try {
    const results = await callTools(client);
    return { ...results, provider, seen, steps, authorizationUrl: authUrl, accessToken: provider.tokens().access_token };
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
}

// Registers a confidential client for the client credentials grant at the
// authorization server (RFC 7591), as an operator would once.
export async function registerMachineClient(issuer, name = 'tjwt e2e machine client') {
  const metadata = await discoverAuthorizationServerMetadata(issuer);
  const info = await registerClient(issuer, {
    metadata,
    clientMetadata: {
      client_name: name,
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  });
  return { ...info, metadata };
}

export async function clientCredentialsFlow({ mcpUrl, issuer, clientId, clientSecret, scope }) {
  const provider = new ClientCredentialsProvider({ clientId, clientSecret, expectedIssuer: issuer, scope });
  const seen = [];
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl),
    { authProvider: provider, fetch: recordingFetch(seen) });
  const client = new Client({ name: 'tjwt-oauth-e2e-machine', version: '1.0.0' });
  await client.connect(transport);
  try {
    const results = await callTools(client);
    return { ...results, seen, accessToken: provider.tokens().access_token };
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
}
