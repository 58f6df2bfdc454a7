// Interop (issue 6): tokens of every algorithm the module signs with are
// verified by three implementations that are not ours, each against the
// JWKS that Apache serves:
//   PyJWT     tests/verify/pyjwt_verify.py   (Debian python3-jwt)
//   jose      tests/verify/jose_verify.mjs   (npm jose, for Node)
//   go-jose   tests/verify/gojose_verify.go  (Debian golang-gopkg-square-go-jose.v2-dev,
//                                             built here, offline, in GOPATH mode)
// and by the sample MCP server (jose again, through createRemoteJWKSet),
// reached through Apache with the MCP SDK's client.
//
// One private httpd: the main server signs with the module's own
// generated RSA key (RS256, the default); three virtual hosts sign with
// keys the openssl command makes now: RSA-2048 (RS256), P-256 (ES256) and
// Ed25519 (EdDSA).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import {
  Httpd, basic, buildGoVerifier, decodeJwt, freePort, genKey, htpasswd, python, removeTempDirs, run,
  startMcpServer, tempDir, testsDir,
} from './harness.mjs';

const ISSUER = 'interop.test';
// The canonical URI of the MCP server, which every virtual host fronts.
const AUDIENCE = 'https://mcp.interop.test/mcp';
const PASSWORD = randomBytes(9).toString('base64url');
const TIMEOUT = { timeout: 120_000 };

const hosts = [
  { name: 'default key (module-generated RSA)', alg: 'RS256', key: null },
  { name: 'RSA-2048 key from openssl', alg: 'RS256', key: 'rsa' },
  { name: 'P-256 key from openssl', alg: 'ES256', key: 'ec' },
  { name: 'Ed25519 key from openssl', alg: 'EdDSA', key: 'ed25519' },
];

let dir;
let httpd;
let mcp;
let goVerifier;

const verifiers = {
  PyJWT: (token, { jwks, audience = AUDIENCE, issuer = ISSUER }) =>
    run(python, [join(testsDir, 'verify', 'pyjwt_verify.py'), '--jwks', jwks, '--issuer', issuer,
      '--audience', audience, token]),
  jose: (token, { jwks, audience = AUDIENCE, issuer = ISSUER }) =>
    run(process.execPath, [join(testsDir, 'verify', 'jose_verify.mjs'), '--jwks', jwks, '--issuer', issuer,
      '--audience', audience, '--subject', 'alice', token]),
  'go-jose': (token, { jwks, audience = AUDIENCE, issuer = ISSUER }) =>
    run(goVerifier, ['-jwks-url', jwks, '-issuer', issuer, '-audience', audience, '-subject', 'alice', token]),
};

before(async () => {
  dir = tempDir('tjwt-interop-');
  htpasswd(join(dir, 'htpasswd'), { alice: PASSWORD });
  const keys = {};
  for (const k of ['rsa', 'ec', 'ed25519']) keys[k] = genKey(dir, k);

  const ports = [];
  while (ports.length < hosts.length) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  hosts.forEach((h, i) => { h.port = ports[i]; h.base = `http://127.0.0.1:${ports[i]}`; h.jwks = `${h.base}/.well-known/jwks.json`; });

  // The MCP server fetches the main server's JWKS, which also publishes
  // the virtual hosts' keys (TeleportJWTPublishKey), so that it verifies
  // tokens of all four.
  const goBuild = buildGoVerifier();
  mcp = await startMcpServer({ jwksUrl: hosts[0].jwks, issuer: ISSUER, audience: AUDIENCE });

  httpd = new Httpd({
    dir,
    name: ISSUER,
    ports,
    confFn: () => [
      ...['rsa', 'ec', 'ed25519'].map((k) => `TeleportJWTPublishKey "${keys[k].pub}"`),
      // Every virtual host inherits these.
      '<Location />',
      '    AuthType Basic',
      '    AuthName interop',
      `    AuthUserFile "${dir}/htpasswd"`,
      '    Require valid-user',
      '    TeleportJWT On',
      `    TeleportJWTIssuer ${ISSUER}`,
      `    TeleportJWTAudience ${AUDIENCE}`,
      '    TeleportJWTRoles "mcp-user"',
      '    TeleportJWTTrait logins "%{REMOTE_USER},ubuntu"',
      '</Location>',
      // After <Location />, so that its Require wins.
      '<Location /.well-known/jwks.json>',
      '    SetHandler teleport-jwks',
      '    Require all granted',
      '</Location>',
      '<Location /token>',
      '    Header always set X-Token "%{TELEPORT_JWT}e"',
      '</Location>',
      '<Location /mcp>',
      `    ProxyPass ${mcp.url} flushpackets=on timeout=300 ttl=60`,
      '</Location>',
      ...hosts.slice(1).flatMap((h) => [
        `<VirtualHost 127.0.0.1:${h.port}>`,
        `    ServerName ${ISSUER}`,
        `    TeleportJWTSigningKey "${keys[h.key].key}"`,
        '</VirtualHost>',
      ]),
    ],
  });
  writeFileSync(join(dir, 'htdocs', 'token'), 'ok\n');
  await httpd.start();
  goVerifier = await goBuild;

  for (const h of hosts) {
    const r = await fetch(`${h.base}/token`, { headers: { Authorization: basic('alice', PASSWORD) } });
    assert.equal(r.status, 200, `GET ${h.base}/token`);
    await r.text();
    h.token = r.headers.get('x-token');
    h.keys = (await (await fetch(h.jwks)).json()).keys;
  }
  await runVerifiers();
});

after(async () => {
  await httpd?.stop();
  await mcp?.stop();
  removeTempDirs();
});

function tamper(token) {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.sub = 'mallory';
  claims.username = 'mallory';
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

// Runs the jobs (functions returning promises), `width` at a time.
async function pool(jobs, width = 4) {
  const results = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  }));
  return results;
}

// Every verifier run at once (the runs are independent; the tests below
// read their results): each token as served, the same token tampered
// with, and, on the first host only (the claim checks do not depend on
// the algorithm), another audience and another issuer.
let outcomes;
async function runVerifiers() {
  const jobs = [];
  const keys = [];
  hosts.forEach((h, i) => {
    for (const [name, verify] of Object.entries(verifiers)) {
      const cases = { good: [h.token, { jwks: h.jwks }], tampered: [tamper(h.token), { jwks: h.jwks }] };
      if (i === 0) {
        cases.audience = [h.token, { jwks: h.jwks, audience: 'https://other.example/mcp' }];
        cases.issuer = [h.token, { jwks: h.jwks, issuer: 'someone-else' }];
      }
      for (const [c, args] of Object.entries(cases)) {
        keys.push([i, name, c]);
        jobs.push(() => verify(...args));
      }
    }
  });
  const results = await pool(jobs);
  outcomes = hosts.map(() => ({}));
  keys.forEach(([i, name, c], j) => { (outcomes[i][name] ??= {})[c] = results[j]; });
}

hosts.forEach((h, hi) => {
  describe(`${h.alg} tokens, ${h.name}`, TIMEOUT, () => {
    it(`is signed with ${h.alg} by the key the JWKS lists first`, () => {
      const { header, payload } = decodeJwt(h.token);
      assert.equal(header.alg, h.alg);
      assert.equal(header.typ, 'JWT');
      assert.equal(h.keys[0].kid, header.kid);
      assert.equal(h.keys[0].alg, h.alg);
      assert.equal(payload.sub, 'alice');
    });

    for (const name of Object.keys(verifiers)) {
      it(`${name} verifies it (signature via JWKS, issuer, audience, times with 60 s leeway)`, () => {
        const r = outcomes[hi][name].good;
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        const { header, payload } = JSON.parse(r.stdout);
        assert.equal(header.alg, h.alg);
        assert.equal(payload.sub, 'alice');
        assert.equal(payload.username, 'alice');
        assert.deepEqual(payload.roles, ['mcp-user']);
        assert.deepEqual(payload.traits, { logins: ['alice', 'ubuntu'] });
        assert.equal(payload.iss, ISSUER);
        assert.deepEqual([payload.aud].flat(), [AUDIENCE]);
      });

      const refused = hi === 0 ? 'tampered, for another audience or another issuer' : 'tampered';
      it(`${name} refuses it ${refused}`, () => {
        for (const [c, r] of Object.entries(outcomes[hi][name])) {
          if (c === 'good') continue;
          assert.equal(r.code, 1, `${name} accepted the ${c} token: ${r.stdout}`);
          assert.match(r.stderr, /not verified/);
        }
      });
    }

    it('the sample MCP server verifies it (whoami through Apache with the SDK client)', async () => {
      const client = new Client({ name: 'interop', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${h.base}/mcp`), {
        requestInit: { headers: { Authorization: basic('alice', PASSWORD) } },
      });
      await client.connect(transport);
      try {
        const who = (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent;
        assert.equal(who.user, 'alice');
        assert.equal(who.token.alg, h.alg);
        assert.equal(who.token.kid, decodeJwt(h.token).header.kid);
        await transport.terminateSession();
      } finally {
        await client.close();
      }
    });
  });
});
