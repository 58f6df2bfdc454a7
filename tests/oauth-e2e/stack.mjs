// The whole OAuth setup on loopback, for the end-to-end tests and for
// make demo-oauth: the authorization server (as.mjs, HTTPS with the test
// CA), the sample MCP server (mcp/server) and a private httpd in front of
// it, authenticating the MCP clients' access tokens in one of two ways:
//
//   module    AuthType TeleportOAuth (this module checks the token)
//   openidc   Debian's mod_auth_openidc 2.4.12, AuthType oauth20, made
//             safe with Require claim (aud, iss) and Require expr (exp);
//             this module adds the challenge's resource_metadata, serves
//             the metadata and makes the token. The pitfalls are in
//             docs/mcp-authorization.md (mod_auth_openidc).
//
// The test CA must exist before node starts (Node's fetch takes extra CAs
// from NODE_EXTRA_CA_CERTS at start-up only): tests/oauth-e2e/make-ca.sh
// makes it, and TJWT_OAUTH_CA_DIR names its directory.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { exportJWK, generateKeyPair } from 'jose';

import { Httpd, freePort, modDir, startMcpServer } from '../mcp/harness.mjs';
import { RESOURCE_SCOPE, startAuthServer } from './as.mjs';

export const OPENIDC_SO = join(modDir, 'mod_auth_openidc.so');
export const TELEPORT_ISSUER = 'apache.oauth-e2e.test';

// The accounts of the authorization server: the login name differs from
// the subject, so that a test can tell which one reached the MCP server.
export const ACCOUNTS = {
  alice: {
    password: 'alice-wonderland-7',
    sub: 'acct-0001-alice',
    claims: { email: 'alice@example.test', groups: ['mcp-users', 'developers'] },
  },
};

export function caFiles() {
  const dir = process.env.TJWT_OAUTH_CA_DIR;
  if (!dir || !existsSync(join(dir, 'ca.pem'))) {
    throw new Error('TJWT_OAUTH_CA_DIR does not name a test CA (tests/oauth-e2e/make-ca.sh makes one)');
  }
  return { dir, ca: join(dir, 'ca.pem'), cert: join(dir, 'srv.pem'), key: join(dir, 'srv.key') };
}

// A key pair for RS256 with a kid, as a private JWK and the public key.
export async function signingKey(kid) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { jwk, privateKey, publicKey };
}

// The scope of /mcp: how the client's access token is checked.
function authLines(mode, { resource, issuer, jwksUrl, ca }) {
  const common = [
    `    TeleportJWTOAuthResource ${resource}`,
    `    TeleportJWTOAuthIssuer ${issuer}`,
    `    TeleportJWTOAuthScopes ${RESOURCE_SCOPE}`,
    '    TeleportJWTOAuthResourceName "oauth-e2e sample MCP server"',
  ];
  if (mode === 'module') {
    return [
      '    AuthType TeleportOAuth',
      '    Require valid-user',
      ...common,
      `    TeleportJWTOAuthJWKS ${jwksUrl} ${ca}`,
      '    TeleportJWTRoles "%{env:OAUTH_CLAIM_groups}"',
      '    TeleportJWTTrait email "%{env:OAUTH_CLAIM_email}"',
    ];
  }
  // mod_auth_openidc 2.4.12 checks neither aud nor iss nor the scope, and
  // takes a token without exp: Require claim and Require expr do, and all
  // must hold.
  // Its claims reach this module as OIDC_CLAIM_* variables; it forwards
  // Authorization unless told not to.
  return [
    '    AuthType oauth20',
    '    <RequireAll>',
    '        Require valid-user',
    `        Require claim aud:${resource}`,
    `        Require claim iss:${issuer}`,
    `        Require claim "scope~(^| )${RESOURCE_SCOPE}( |$)"`,
    // exp is optional in 2.4.12: require it. An aud array that holds the
    // resource passes Require claim: require aud to be the resource alone
    // (an array arrives joined with commas). %{REMOTE_USER} makes each
    // expression wait for authentication (else it is checked before).
    '        Require expr "-n %{REMOTE_USER} && env(\'OIDC_CLAIM_exp\') =~ /^[0-9]+$/"',
    `        Require expr "-n %{REMOTE_USER} && env('OIDC_CLAIM_aud') == '${resource}'"`,
    '    </RequireAll>',
    '    OIDCPassClaimsAs environment',
    '    RequestHeader unset Authorization',
    ...common,
    '    TeleportJWTUser "%{env:OIDC_CLAIM_sub}"',
    '    TeleportJWTRoles "%{env:OIDC_CLAIM_groups}"',
    '    TeleportJWTTrait email "%{env:OIDC_CLAIM_email}"',
    // The default, %{env:OAUTH_EXPIRES}, is AuthType TeleportOAuth's.
    '    TeleportJWTExpiry "%{env:OIDC_CLAIM_exp}"',
  ];
}

// What mod_auth_openidc 2.4.12 alone accepts: AuthType oauth20 and
// Require valid-user, no Require claim. For the test that shows why the
// claims must be required; never a configuration to copy.
function unsafeOpenidcLines(stack) {
  return [
    '<Location /unsafe/mcp>',
    '    AuthType oauth20',
    '    Require valid-user',
    '    OIDCPassClaimsAs environment',
    '    RequestHeader unset Authorization',
    '    TeleportJWT On',
    `    TeleportJWTIssuer ${TELEPORT_ISSUER}`,
    `    TeleportJWTAudience ${stack.resource}`,
    '    TeleportJWTUser "%{env:OIDC_CLAIM_sub}"',
    `    ProxyPass ${stack.mcp.url}`,
    '</Location>',
  ];
}

// mod_auth_openidc's server-wide settings for AuthType oauth20.
function openidcServerLines({ jwksUrl, ca }) {
  return [
    `LoadModule auth_openidc_module "${OPENIDC_SO}"`,
    `OIDCOAuthVerifyJwksUri ${jwksUrl}`,
    'OIDCOAuthSSLValidateServer On',
    `OIDCCABundlePath ${ca}`,
    'OIDCOAuthRemoteUserClaim sub',
    'LogLevel info teleport_jwt:debug auth_openidc:info',
  ];
}

// Brings everything up. mode: 'module' or 'openidc'. Resolves the URLs,
// the pieces (for their logs) and stop().
export async function startStack({ dir, mode = 'module', log = () => {}, asPort, httpdPort }) {
  const { ca, cert, key } = caFiles();
  const stack = { dir, mode };
  try {
    stack.asKey = await signingKey('as-rs-1');
    asPort ??= await freePort();
    const port = httpdPort ?? await freePort();
    const base = `http://127.0.0.1:${port}`;
    stack.resource = `${base}/mcp`;
    stack.otherResource = 'https://other.example.test/mcp';
    stack.as = await startAuthServer({
      port: asPort, cert, key, accounts: ACCOUNTS, keys: [stack.asKey.jwk],
      resources: [stack.resource, stack.otherResource], log,
    });
    stack.issuer = stack.as.issuer;
    stack.asJwks = `${stack.issuer}/jwks`;

    stack.audit = join(dir, 'mcp-audit.jsonl');
    stack.mcp = await startMcpServer({
      jwksUrl: `${base}/.well-known/jwks.json`, issuer: TELEPORT_ISSUER, audience: stack.resource,
      auditLog: stack.audit,
    });

    const opts = { resource: stack.resource, issuer: stack.issuer, jwksUrl: stack.asJwks, ca };
    stack.httpd = new Httpd({
      dir: join(dir, 'httpd'),
      name: '127.0.0.1',
      ports: [port],
      confFn: () => [
        `TeleportJWTSigningKey "${dir}/teleport.pem"`,
        ...(mode === 'openidc' ? openidcServerLines({ jwksUrl: stack.asJwks, ca }) : []),
        '<Location /.well-known/jwks.json>',
        '    SetHandler teleport-jwks',
        '    Require all granted',
        '</Location>',
        '<Location /.well-known/oauth-protected-resource>',
        '    SetHandler teleport-resource-metadata',
        '    Require all granted',
        '</Location>',
        '<Location /mcp>',
        ...authLines(mode, opts),
        '    TeleportJWT On',
        `    TeleportJWTIssuer ${TELEPORT_ISSUER}`,
        `    TeleportJWTAudience ${stack.resource}`,
        `    ProxyPass ${stack.mcp.url} flushpackets=on timeout=300 ttl=60`,
        '</Location>',
        ...(mode === 'openidc' ? unsafeOpenidcLines(stack) : []),
      ],
    });
    const r = spawnSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
      '-out', join(dir, 'teleport.pem')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl genpkey: ${r.stderr}`);
    await stack.httpd.start();
    stack.mcpUrl = stack.resource;
    stack.metadataUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
  } catch (e) {
    await stopStack(stack);
    throw e;
  }
  return stack;
}

export async function stopStack(stack) {
  await stack.httpd?.stop().catch(() => {});
  await stack.mcp?.stop().catch(() => {});
  await stack.as?.close().catch(() => {});
}
