#!/usr/bin/env node
// A sample MCP server for behind Apache and mod_teleport_jwt.
//
// It trusts nobody but the token: every HTTP request must carry a JWT that
// Apache signed (Teleport-Jwt-Assertion, or Authorization: Bearer when
// Apache is set up with TeleportJWTHeader Authorization "Bearer
// {{internal.jwt}}"). The token is verified with jose against the JWKS that
// Apache serves: signature, issuer, audience, and the times with 60 s of
// clock tolerance. A request without a valid token gets 401 and never
// reaches the MCP layer.
//
// Tools:
//   whoami         the verified identity (user, roles, traits), the token's
//                  times and the tokens seen in this session
//   slow_progress  sends progress notifications over SSE for a few seconds,
//                  then returns
//
// Transport: the SDK's StreamableHTTPServerTransport with stateful sessions
// (Mcp-Session-Id). A session belongs to the user who opened it.
//
// Usage: node server.mjs --jwks-url URL --issuer ISS --audience AUD
//            [--port N] [--host 127.0.0.1] [--path /mcp] [--audit-log FILE]
// Every option can also come from the environment: MCP_PORT, MCP_HOST,
// MCP_PATH, MCP_JWKS_URL, MCP_ISSUER, MCP_AUDIENCE, MCP_AUDIT_LOG.
// See docs/mcp.md.

import { randomUUID, createHash, webcrypto } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';

// Node 18 (Debian 12's nodejs) has Web Crypto only as node:crypto's
// webcrypto; jose 6 and the MCP SDK look for globalThis.crypto, as Node 20
// has it. They use it only when called, so setting it here is in time.
globalThis.crypto ??= webcrypto;

// The algorithms mod_teleport_jwt signs with. Listing them is what stops a
// token from choosing its own (for example HS256 keyed with a public key).
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const ASSERTION_HEADER = 'teleport-jwt-assertion';
const CLOCK_TOLERANCE_S = 60;

function config() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      path: { type: 'string' },
      'jwks-url': { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'audit-log': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log('usage: server.mjs --jwks-url URL --issuer ISS --audience AUD ' +
      '[--port N] [--host ADDR] [--path /mcp] [--audit-log FILE]');
    process.exit(0);
  }
  const env = process.env;
  const cfg = {
    port: Number(values.port ?? env.MCP_PORT ?? 4321),
    host: values.host ?? env.MCP_HOST ?? '127.0.0.1',
    path: values.path ?? env.MCP_PATH ?? '/mcp',
    jwksUrl: values['jwks-url'] ?? env.MCP_JWKS_URL,
    issuer: values.issuer ?? env.MCP_ISSUER,
    audience: values.audience ?? env.MCP_AUDIENCE,
    auditLog: values['audit-log'] ?? env.MCP_AUDIT_LOG,
  };
  const missing = ['jwksUrl', 'issuer', 'audience'].filter((k) => !cfg[k]);
  if (missing.length) {
    console.error(`server.mjs: missing ${missing.join(', ')} ` +
      '(--jwks-url, --issuer, --audience or MCP_JWKS_URL, MCP_ISSUER, MCP_AUDIENCE)');
    process.exit(2);
  }
  if (!Number.isInteger(cfg.port) || cfg.port < 0 || cfg.port > 65535) {
    console.error(`server.mjs: bad port ${cfg.port}`);
    process.exit(2);
  }
  return cfg;
}

const cfg = config();

// jose fetches the key set on first use, caches it, and fetches it again
// when a token names a kid it does not know (key rotation), at most once
// per cooldown.
const jwks = createRemoteJWKSet(new URL(cfg.jwksUrl), {
  cooldownDuration: 30_000,
  cacheMaxAge: 300_000,
  timeoutDuration: 5_000,
});

const sha256 = (s) => createHash('sha256').update(s).digest('hex').slice(0, 16);

// Every line of the token headers, exactly as received (rawHeaders keeps
// duplicates, which req.headers would merge or drop).
function tokenHeaderLines(req) {
  const lines = { assertion: [], authorization: [] };
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase().replace(/_/g, '-');
    if (name === ASSERTION_HEADER) lines.assertion.push(req.rawHeaders[i + 1]);
    else if (name === 'authorization') lines.authorization.push(req.rawHeaders[i + 1]);
  }
  return lines;
}

class AuthError extends Error {}

// Picks the one token of a request: Teleport-Jwt-Assertion if present,
// otherwise Authorization: Bearer. Ambiguity (two copies) is refused.
function extractToken(lines) {
  if (lines.assertion.length > 1) throw new AuthError('more than one Teleport-Jwt-Assertion header');
  if (lines.assertion.length === 1) {
    return { token: lines.assertion[0].trim(), line: lines.assertion[0], source: 'Teleport-Jwt-Assertion' };
  }
  if (lines.authorization.length > 1) throw new AuthError('more than one Authorization header');
  if (lines.authorization.length === 1) {
    const m = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+) *$/.exec(lines.authorization[0]);
    if (m) return { token: m[1], line: lines.authorization[0], source: 'Authorization' };
    throw new AuthError('Authorization is not a Bearer token');
  }
  return null;
}

function audit(entry) {
  if (!cfg.auditLog) return;
  try {
    appendFileSync(cfg.auditLog, JSON.stringify({ at: Date.now() / 1000, ...entry }) + '\n');
  } catch (e) {
    console.error(`audit log ${cfg.auditLog}: ${e.message}`);
  }
}

// What a client is told about a refused token: a fixed text per kind of
// failure. The verifier's own message may quote the token (an entry of its
// "crit" header, say), and what a client wrote must not reach a response
// header, where a newline in it would make the answer fail: the detail
// goes to the log.
const TOKEN_ERRORS = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'the signature does not verify',
  ERR_JOSE_ALG_NOT_ALLOWED: 'the signing algorithm is not accepted',
  ERR_JWKS_NO_MATCHING_KEY: 'no key of the key set matches the token',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'more than one key of the key set matches the token',
  ERR_JWS_INVALID: 'the token is not a well-formed JWS',
  ERR_JWT_INVALID: 'the token is not a well-formed JWT',
  ERR_JOSE_NOT_SUPPORTED: 'the token uses a feature this server does not support',
};
// The claims jose checks; its claim errors name one of these, and say
// whether it was missing or did not match.
const CHECKED_CLAIMS = new Set(['iss', 'aud', 'sub', 'exp', 'nbf', 'iat', 'jti', 'typ']);

function tokenErrorDescription(e) {
  if (e instanceof joseErrors.JWTClaimValidationFailed && CHECKED_CLAIMS.has(e.claim)) {
    return e.reason === 'missing'
      ? `the token has no ${e.claim} claim`
      : `the token's ${e.claim} claim is not accepted`;
  }
  return (e instanceof joseErrors.JOSEError && TOKEN_ERRORS[e.code]) || 'the token could not be verified';
}

function unauthorized(res, error, description) {
  // RFC 6750 §3: no error code when the request had no token at all.
  const params = ['realm="mcp"'];
  if (error) params.push(`error="${error}"`, `error_description="${description.replace(/["\\]/g, '')}"`);
  res.set('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  res.status(401).json({
    jsonrpc: '2.0',
    error: { code: -32001, message: `Unauthorized: ${description}` },
    id: null,
  });
}

// The middleware every request goes through before the MCP layer.
async function authenticate(req, res, next) {
  const lines = tokenHeaderLines(req);
  const census = {
    assertion: lines.assertion.length,
    authorization: lines.authorization.map((v) => v.split(' ')[0]),
  };
  const record = {
    method: req.method,
    session: req.get('mcp-session-id') ?? null,
    census,
    // Fingerprints of the header lines, never the tokens themselves.
    fingerprints: [...lines.assertion, ...lines.authorization].map(sha256),
  };
  let picked;
  try {
    picked = extractToken(lines);
  } catch (e) {
    audit({ ...record, status: 401, reason: e.message });
    return unauthorized(res, 'invalid_request', e.message);
  }
  if (!picked) {
    audit({ ...record, status: 401, reason: 'no token' });
    return unauthorized(res, null, 'no token (Teleport-Jwt-Assertion or Authorization: Bearer)');
  }
  try {
    const { payload, protectedHeader } = await jwtVerify(picked.token, jwks, {
      issuer: cfg.issuer,
      audience: cfg.audience,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['sub', 'exp', 'iat', 'nbf'],
    });
    const identity = {
      user: payload.username ?? payload.sub,
      sub: payload.sub,
      roles: Array.isArray(payload.roles) ? payload.roles : [],
      traits: payload.traits && typeof payload.traits === 'object' ? payload.traits : {},
      issuer: payload.iss,
      audience: payload.aud,
      iat: payload.iat,
      nbf: payload.nbf,
      exp: payload.exp,
      alg: protectedHeader.alg,
      kid: protectedHeader.kid,
      source: picked.source,
      census,
      verifiedAt: Math.floor(Date.now() / 1000),
    };
    // The SDK hands req.auth to tool handlers as extra.authInfo.
    req.auth = {
      token: picked.token,
      clientId: identity.user,
      scopes: [],
      expiresAt: payload.exp,
      extra: { identity },
    };
    audit({ ...record, verified: sha256(picked.line), source: picked.source, sub: payload.sub, iat: payload.iat, exp: payload.exp });
    return next();
  } catch (e) {
    const why = e instanceof joseErrors.JOSEError ? `${e.code}: ${e.message}` : String(e.message);
    audit({ ...record, status: 401, reason: why });
    // Quoted: the detail may hold the token's own text, newlines included.
    console.error(`${req.method} ${req.originalUrl}: token rejected: ${JSON.stringify(why)}`);
    return unauthorized(res, 'invalid_token', tokenErrorDescription(e));
  }
}

// --- the MCP server of one session --------------------------------------

const sessions = new Map(); // session id -> { transport, owner, tokens, lastSeen }

// A client that goes away without DELETE leaves its session behind: close
// sessions that have had no request for 30 minutes.
const IDLE_MS = 30 * 60_000;
setInterval(() => {
  const cutoff = Date.now() - IDLE_MS;
  for (const s of sessions.values()) {
    if (s.lastSeen < cutoff) s.transport.close().catch(() => {});
  }
}, 60_000).unref();

function newMcpServer(session) {
  const server = new McpServer({ name: 'tjwt-sample-mcp-server', version: '1.0.0' });

  server.registerTool('whoami', {
    title: 'Who am I',
    description: 'The identity Apache asserted for this request, as verified by this server',
    inputSchema: {},
  }, async (_args, extra) => {
    const identity = extra.authInfo?.extra?.identity;
    const result = {
      user: identity.user,
      roles: identity.roles,
      traits: identity.traits,
      token: {
        issuer: identity.issuer, audience: identity.audience,
        alg: identity.alg, kid: identity.kid,
        iat: identity.iat, nbf: identity.nbf, exp: identity.exp,
        source: identity.source, verifiedAt: identity.verifiedAt,
      },
      received: identity.census,
      session: { id: extra.sessionId, tokens: session.tokens },
    };
    return {
      content: [{ type: 'text', text: JSON.stringify(result, null, 2) }],
      structuredContent: result,
    };
  });

  server.registerTool('slow_progress', {
    title: 'Slow progress',
    description: 'Works for a few seconds, reporting progress notifications as it goes',
    inputSchema: {
      steps: z.number().int().min(1).max(50).default(5).describe('how many progress notifications'),
      intervalMs: z.number().int().min(10).max(5000).default(500).describe('pause before each one'),
    },
  }, async ({ steps, intervalMs }, extra) => {
    const progressToken = extra._meta?.progressToken;
    let sent = 0;
    for (let i = 1; i <= steps; i++) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (extra.signal.aborted) {
        return { content: [{ type: 'text', text: `cancelled after ${sent} steps` }], isError: true };
      }
      if (progressToken !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress: i, total: steps, message: `step ${i} of ${steps}` },
        });
        sent++;
      }
    }
    const result = { steps, progressSent: sent, finishedAt: Date.now() };
    return {
      content: [{ type: 'text', text: `done: ${steps} steps, ${sent} progress notifications` }],
      structuredContent: result,
    };
  });

  return server;
}

// --- HTTP -----------------------------------------------------------------

const app = createMcpExpressApp({ host: cfg.host });
app.disable('x-powered-by');
app.use(authenticate);

function jsonRpcError(res, status, code, message) {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

// The session of a request, if it may use it: the user who opened a
// session is the only one who may use it (the MCP spec: bind session ids
// to user information).
function sessionFor(req, res) {
  const id = req.get('mcp-session-id');
  if (!id) return null;
  const session = sessions.get(id);
  if (!session) {
    jsonRpcError(res, 404, -32001, 'Session not found');
    return undefined;
  }
  const { identity } = req.auth.extra;
  if (identity.sub !== session.owner) {
    console.error(`session ${id} of ${session.owner} used by ${identity.sub}: refused`);
    jsonRpcError(res, 403, -32001, 'Session belongs to another user');
    return undefined;
  }
  const { iat, exp, source, verifiedAt } = identity;
  session.lastSeen = Date.now();
  session.tokens.push({ method: req.method, iat, exp, source, verifiedAt });
  // Bounded: a long session keeps the last 100.
  if (session.tokens.length > 100) session.tokens.shift();
  return session;
}

app.post(cfg.path, async (req, res) => {
  try {
    const session = sessionFor(req, res);
    if (session === undefined) return;
    if (session) {
      await session.transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.get('mcp-session-id') || !isInitializeRequest(req.body)) {
      jsonRpcError(res, 400, -32000, 'Bad Request: no valid session id');
      return;
    }
    const { identity } = req.auth.extra;
    const fresh = {
      owner: identity.sub,
      lastSeen: Date.now(),
      tokens: [{ method: req.method, iat: identity.iat, exp: identity.exp, source: identity.source, verifiedAt: identity.verifiedAt }],
    };
    fresh.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, fresh);
        console.error(`session ${id} opened by ${identity.sub}`);
      },
    });
    fresh.transport.onclose = () => {
      const id = fresh.transport.sessionId;
      if (id && sessions.delete(id)) console.error(`session ${id} closed`);
    };
    await newMcpServer(fresh).connect(fresh.transport);
    await fresh.transport.handleRequest(req, res, req.body);
  } catch (e) {
    console.error('POST failed:', e);
    if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal server error');
  }
});

// GET opens the session's stream for server-initiated messages; DELETE
// ends the session.
async function existingSession(req, res) {
  try {
    const session = sessionFor(req, res);
    if (session === undefined) return;
    if (!session) {
      jsonRpcError(res, 400, -32000, 'Bad Request: no session id');
      return;
    }
    await session.transport.handleRequest(req, res);
  } catch (e) {
    console.error(`${req.method} failed:`, e);
    if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal server error');
  }
}
app.get(cfg.path, existingSession);
app.delete(cfg.path, existingSession);

const listener = app.listen(cfg.port, cfg.host, (err) => {
  // Express 5 calls this with a failure to listen too: the 'error'
  // listener below reports it.
  if (err) return;
  const { port } = listener.address();
  // Tests and the demo wait for this line.
  console.log(`listening on http://${cfg.host}:${port}${cfg.path}`);
  console.log(`verifying tokens from ${cfg.jwksUrl}, issuer ${cfg.issuer}, audience ${cfg.audience}`);
});
// Longer than Apache's pool keeps an idle connection (ProxyPass ttl=60 in
// docs/mcp.md), so that Apache never sends a request on a connection that
// this server is closing at that moment.
listener.keepAliveTimeout = 65_000;
listener.headersTimeout = 66_000;
listener.on('error', (e) => {
  console.error(`server.mjs: ${e.message}`);
  process.exit(1);
});

async function shutdown() {
  for (const { transport } of sessions.values()) {
    await transport.close().catch(() => {});
  }
  listener.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
