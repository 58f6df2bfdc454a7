// The authorization server of the OAuth end-to-end tests and of make
// demo-oauth: oidc-provider (npm) over HTTPS with a certificate of the test
// CA, configured the way an MCP client expects one (the MCP authorization
// specification): dynamic client registration (RFC 7591), PKCE with S256
// only, resource indicators (RFC 8707) that get JWT access tokens
// (RFC 9068) whose aud is the resource, and the client credentials grant.
// The login and the consent are two plain HTML forms, posted as a browser
// would post them (tests/oauth-e2e/browser.mjs drives them over HTTP).
//
// startAuthServer() runs it in the calling process; it resolves
// { issuer, port, close }.
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

import Provider, { errors } from 'oidc-provider';

// Scopes an MCP resource grants; the module's TeleportJWTOAuthScopes asks
// for mcp:tools.
export const RESOURCE_SCOPE = 'mcp:tools';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head>` +
    `<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 65536) throw new Error('form too large');
  }
  return Object.fromEntries(new URLSearchParams(body));
}

// accounts: { login: { password, sub, claims } }; the access token's sub
// is the account's sub (not the login name), its other claims are copied
// into every access token issued for that account (groups, email).
// resources: the resource indicators this server issues tokens for.
// keys: private JWKs (with kid) that sign the tokens.
export async function startAuthServer({
  port, host = '127.0.0.1', cert, key, accounts, resources, keys, accessTokenTTL = 600, log = () => {},
}) {
  const issuer = `https://${host}:${port}`;
  const byLogin = new Map(Object.entries(accounts));
  const bySub = new Map([...byLogin.values()].map((a) => [a.sub, a]));

  const provider = new Provider(issuer, {
    jwks: { keys },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Every client registers itself, without an initial access token,
    // as MCP clients do.
    features: {
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // No resource asked for: an opaque token that no MCP resource takes.
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (!resources.includes(resourceIndicator)) throw new errors.InvalidTarget();
          return {
            scope: RESOURCE_SCOPE,
            audience: resourceIndicator,
            accessTokenTTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // PKCE for every client that uses the authorization code flow, S256
    // only (oidc-provider 9 knows no other method).
    pkce: { required: () => true },
    // The resource's scope too: MCP clients register with the scopes of the
    // resource metadata, and registration checks them against this list.
    scopes: ['openid', 'offline_access', RESOURCE_SCOPE],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    findAccount: (_ctx, sub) => {
      const a = bySub.get(sub);
      if (!a) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...a.claims }) };
    },
    extraTokenClaims: (_ctx, token) => {
      const a = token.accountId && bySub.get(token.accountId);
      return a ? { ...a.claims } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<pre>${esc(JSON.stringify(out))}</pre>`);
    },
  });
  // Behind nothing: the HTTPS server below is the provider's own.
  provider.on('server_error', (_ctx, e) => log(`authorization server error: ${e.stack}`));
  provider.on('grant.success', (ctx) => log(`token issued to ${ctx.oidc.client?.clientId}`));
  provider.on('registration_create.success', (_ctx, client) => log(`client registered: ${client.clientId}`));

  const callback = provider.callback();

  // The login and consent forms: GET shows the one the interaction needs,
  // POST .../login and .../confirm finish that step.
  async function interaction(req, res) {
    const url = new URL(req.url, issuer);
    const m = /^\/interaction\/([\w-]+)(?:\/(login|confirm))?$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params } = details;
    if (req.method === 'GET' && !m[2]) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      if (prompt.name === 'login') {
        res.end(page('Sign in', `<p>Client ${esc(params.client_id)}</p>` +
          `<form method="post" action="/interaction/${esc(uid)}/login">` +
          '<input name="login" autocomplete="username"> <input name="password" type="password">' +
          ' <button type="submit">Sign in</button></form>'));
      } else {
        res.end(page('Allow access', `<p>Client ${esc(params.client_id)} asks for ${esc(params.scope ?? '')}` +
          ` on ${esc([].concat(params.resource ?? []).join(' '))}</p>` +
          `<form method="post" action="/interaction/${esc(uid)}/confirm">` +
          '<button type="submit">Allow</button></form>'));
      }
      return;
    }
    if (req.method !== 'POST' || !m[2]) {
      res.writeHead(405).end();
      return;
    }
    const form = await readForm(req);
    if (m[2] === 'login') {
      if (prompt.name !== 'login') throw new Error('not at the login step');
      const a = byLogin.get(form.login);
      if (!a || a.password !== form.password) {
        res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(page('Sign in', '<p>Wrong login or password.</p>'));
        return;
      }
      log(`${form.login} signed in as ${a.sub}`);
      await provider.interactionFinished(req, res, { login: { accountId: a.sub } },
        { mergeWithLastSubmission: false });
      return;
    }
    if (prompt.name !== 'consent') throw new Error('not at the consent step');
    const { session } = details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(req, res).catch((e) => {
        log(`interaction failed: ${e.message}`);
        if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end(`interaction failed: ${e.message}\n`);
      });
      return;
    }
    callback(req, res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    issuer,
    port: server.address().port,
    provider,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
