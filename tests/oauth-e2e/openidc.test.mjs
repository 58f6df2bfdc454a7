// The end-to-end OAuth suite with Debian's mod_auth_openidc 2.4.12 checking
// the access tokens (AuthType oauth20; Require claim for aud and iss,
// Require expr for exp) and the module adding resource_metadata, serving
// the metadata and making the MCP server's token: suite.mjs. What differs
// from the module's own checks is in the challenges, and is one of the
// pitfalls of docs/mcp-authorization-openidc-notes.md.
import assert from 'node:assert/strict';

import { defineSuite } from './suite.mjs';

// The refusals that come from a failed Require: mod_auth_openidc sends no
// challenge, the module's is the only one (no error code).
const BY_REQUIRE = new Set(['aud', 'iss', 'no exp']);

defineSuite('openidc', {
  // mod_auth_openidc names an error even when there was no token (RFC
  // 6750 §3.1 says not to); the module adds resource_metadata to it.
  noToken: (r) => assert.match(r.wwwAuthenticate, /^Bearer error="invalid_request", error_description="No bearer token found in the request", resource_metadata=/),
  refusal: (name, r) => {
    assert.equal(r.status, 401, name);
    if (BY_REQUIRE.has(name)) {
      assert.match(r.wwwAuthenticate, /^Bearer resource_metadata="[^"]+", scope="mcp:tools"$/, `${name}: ${r.wwwAuthenticate}`);
    } else {
      assert.match(r.wwwAuthenticate, /^Bearer error="invalid_token", error_description="JWT token could not be validated", resource_metadata=/,
        `${name}: ${r.wwwAuthenticate}`);
    }
  },
});
