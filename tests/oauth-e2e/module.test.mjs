// The end-to-end OAuth suite with the module checking the access tokens
// (AuthType TeleportOAuth): suite.mjs.
import assert from 'node:assert/strict';

import { defineSuite } from './suite.mjs';

defineSuite('module', {
  noToken: (r) => assert.doesNotMatch(r.wwwAuthenticate, /error=/, 'no error code without a token (RFC 6750)'),
  noScope: (r) => {
    assert.equal(r.status, 403);
    assert.match(r.wwwAuthenticate, /^Bearer error="insufficient_scope", .*scope="mcp:tools"/);
  },
  refusal: (name, r) => {
    assert.equal(r.status, 401, name);
    assert.match(r.wwwAuthenticate, /^Bearer .*error="invalid_token"/, `${name}: ${r.wwwAuthenticate}`);
  },
});
