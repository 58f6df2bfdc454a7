// The body of make demo-oauth (demo/oauth-demo.sh makes the test CA and
// the environment): the stack of the OAuth end-to-end tests
// (tests/oauth-e2e/stack.mjs) with AuthType TeleportOAuth, kept running
// until Ctrl-C; with DEMO_ONCE=1, the MCP SDK client's flow once instead.
import { freePort, tempDir } from '../tests/mcp/harness.mjs';
import { authorizationCodeFlow } from '../tests/oauth-e2e/client.mjs';
import { ACCOUNTS, caFiles, startStack, stopStack } from '../tests/oauth-e2e/stack.mjs';

const port = async (v, dflt) => (v === '0' ? freePort() : Number(v ?? dflt));
const once = process.env.DEMO_ONCE === '1';
const quiet = (m) => { if (!once) console.log(`  [authorization server] ${m}`); };

const stack = await startStack({
  dir: tempDir('tjwt-oauth-demo-'),
  mode: 'module',
  httpdPort: await port(process.env.DEMO_OAUTH_PORT, 8790),
  asPort: await port(process.env.DEMO_OAUTH_AS_PORT, 8791),
  log: quiet,
});
const [login, account] = Object.entries(ACCOUNTS)[0];
console.log(`MCP endpoint: ${stack.mcpUrl}`);
console.log(`Authorization server: ${stack.issuer}`);
console.log(`Resource metadata: ${stack.metadataUrl}`);
console.log(`Sign in as: ${login} / ${account.password} (subject ${account.sub})`);
console.log(`Test CA (for NODE_EXTRA_CA_CERTS): ${caFiles().ca}`);

if (once) {
  let ok = false;
  try {
    const r = await authorizationCodeFlow({ mcpUrl: stack.mcpUrl, login, password: account.password });
    console.log(`SDK client: ${r.seen[0].status} first, then ${r.provider.record.join(', ')}; ` +
      `browser: ${r.steps.join(', ')}`);
    console.log(`whoami: user ${r.whoami.user}, roles ${r.whoami.roles.join(',')}`);
    console.log(`slow_progress: ${r.progress.length} progress notifications, then "${r.slow.content[0].text}"`);
    ok = r.whoami.user === account.sub && !r.slow.isError;
  } catch (e) {
    console.error(`demo-oauth: the SDK client's flow failed: ${e.stack}`);
  }
  await stopStack(stack);
  console.log(ok ? 'demo-oauth: the tool call succeeded' : 'demo-oauth: FAILED');
  process.exit(ok ? 0 : 1);
}
console.log('Running; Ctrl-C stops it.');
// Stopped in order: httpd with SIGTERM, so that it ends its children too
// (the harness's own handlers would SIGKILL it alone).
const keepAlive = setInterval(() => {}, 1 << 30);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.removeAllListeners(sig);
  process.once(sig, async () => {
    clearInterval(keepAlive);
    await stopStack(stack);
    console.log('demo-oauth: stopped');
    process.exit(0);
  });
}
