// Clocks (docs/tokens.md, "Clocks"): an upstream whose clock is a few
// seconds behind Apache's still accepts every token, with no leeway at all,
// because iat is backdated like nbf. Three verifiers that are not ours,
// each on a faked clock (no sleep), leeway 0:
//   PyJWT     tests/verify/pyjwt_verify.py --now   (datetime.now patched)
//   jose      tests/verify/jose_verify.mjs --now   (jwtVerify's currentDate)
//   go-jose   tests/verify/gojose_verify.go -now   (jwt.Expected's Time)
// 2 s and 9 s behind: all three accept. 11 s behind: all three refuse (the
// boundary: nbf for all, iat too for PyJWT and go-jose). And the reason
// for the change: a token with iat at the signing time, as Teleport signs
// it, is refused by PyJWT and go-jose from a clock only 2 s behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  Httpd, basic, buildDir, buildGoVerifier, decodeJwt, htpasswd, python, removeTempDirs, run,
  tempDir, testsDir,
} from './harness.mjs';

const ISSUER = 'clock.test';
const AUDIENCE = 'https://mcp.clock.test/mcp';
const LIFETIME = 600;
const PASSWORD = randomBytes(9).toString('base64url');
const TIMEOUT = { timeout: 120_000 };

let dir;
let httpd;
let goVerifier;
let jwks;
let token;
let signedAt;

// Each verifier with leeway 0 and its clock reading `now`.
const verifiers = {
  PyJWT: (tok, now) =>
    run(python, [join(testsDir, 'verify', 'pyjwt_verify.py'), '--jwks', jwks, '--issuer', ISSUER,
      '--audience', AUDIENCE, '--leeway', '0', '--now', String(now), tok]),
  jose: (tok, now) =>
    run(process.execPath, [join(testsDir, 'verify', 'jose_verify.mjs'), '--jwks', jwks,
      '--issuer', ISSUER, '--audience', AUDIENCE, '--leeway', '0', '--now', String(now), tok]),
  'go-jose': (tok, now) =>
    run(goVerifier, ['-jwks-url', jwks, '-issuer', ISSUER, '-audience', AUDIENCE,
      '-leeway', '0', '-now', String(now), tok]),
};

before(async () => {
  dir = tempDir('tjwt-clock-');
  htpasswd(join(dir, 'htpasswd'), { alice: PASSWORD });
  const goBuild = buildGoVerifier('gojose_verify_clock');
  httpd = new Httpd({
    dir,
    name: ISSUER,
    confFn: () => [
      '<Location /token>',
      '    AuthType Basic',
      '    AuthName clock',
      `    AuthUserFile "${dir}/htpasswd"`,
      '    Require valid-user',
      '    TeleportJWT On',
      `    TeleportJWTIssuer ${ISSUER}`,
      `    TeleportJWTAudience ${AUDIENCE}`,
      `    TeleportJWTLifetime ${LIFETIME}s`,
      '    Header always set X-Token "%{TELEPORT_JWT}e"',
      '</Location>',
      '<Location /.well-known/jwks.json>',
      '    SetHandler teleport-jwks',
      '</Location>',
    ],
  });
  writeFileSync(join(dir, 'htdocs', 'token'), 'ok\n');
  await httpd.start();
  jwks = httpd.url('/.well-known/jwks.json');
  const r = await fetch(httpd.url('/token'), { headers: { Authorization: basic('alice', PASSWORD) } });
  assert.equal(r.status, 200);
  await r.text();
  token = r.headers.get('x-token');
  // exp is the signing time + the lifetime (docs/tokens.md).
  signedAt = decodeJwt(token).payload.exp - LIFETIME;
  goVerifier = await goBuild;
});

after(async () => {
  await httpd?.stop();
  removeTempDirs();
});

describe('an upstream whose clock is behind Apache\'s, leeway 0', TIMEOUT, () => {
  it('gets iat and nbf 10 s before the signing time, exp the signing time + lifetime', () => {
    const { payload } = decodeJwt(token);
    assert.equal(payload.iat, signedAt - 10);
    assert.equal(payload.nbf, signedAt - 10);
    assert.ok(Math.abs(signedAt - Date.now() / 1000) < 60, `signed at ${signedAt}`);
  });

  for (const behind of [2, 9]) {
    for (const [name, verify] of Object.entries(verifiers)) {
      it(`${name}, ${behind} s behind, accepts the token`, async () => {
        const r = await verify(token, signedAt - behind);
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        assert.equal(JSON.parse(r.stdout).payload.sub, 'alice');
      });
    }
  }

  for (const [name, verify] of Object.entries(verifiers)) {
    it(`${name}, 11 s behind, refuses it (the boundary)`, async () => {
      const r = await verify(token, signedAt - 11);
      assert.equal(r.code, 1, `${name} accepted: ${r.stdout}`);
      assert.match(r.stderr, /not verified/);
    });
  }

  // The same claims with iat at the signing time (Teleport's, and this
  // module's before), signed with the same key by tjwt sign.
  it('PyJWT and go-jose, 2 s behind, refuse a token whose iat is the signing time', async () => {
    const { payload } = decodeJwt(token);
    const claims = join(dir, 'teleport-iat.json');
    writeFileSync(claims, JSON.stringify({ ...payload, iat: signedAt }));
    const s = await run(join(buildDir, 'tjwt'), ['sign', '--key',
      join(dir, 'teleport-jwt', 'signing-key.pem'), claims]);
    assert.equal(s.code, 0, s.stderr);
    const teleportLike = s.stdout.trim();
    for (const name of ['PyJWT', 'go-jose']) {
      const r = await verifiers[name](teleportLike, signedAt - 2);
      assert.equal(r.code, 1, `${name} accepted an iat in its future: ${r.stdout}`);
      assert.match(r.stderr, /iat|issued/i, `${name}: ${r.stderr}`);
    }
    // jose checks iat only with maxTokenAge: it accepts.
    const r = await verifiers.jose(teleportLike, signedAt - 2);
    assert.equal(r.code, 0, r.stderr);
  });
});
