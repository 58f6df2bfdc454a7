import { tempDir } from '../mcp/harness.mjs';
import { startStack, stopStack, ACCOUNTS } from './stack.mjs';
import { authorizationCodeFlow, registerMachineClient, clientCredentialsFlow } from './client.mjs';
const mode = process.argv[2] || 'module';
const dir = tempDir('oa-smoke-');
const s = await startStack({ dir, mode, log: (m) => console.error('AS:', m) });
try {
  const r = await authorizationCodeFlow({ mcpUrl: s.mcpUrl, login: 'alice', password: ACCOUNTS.alice.password });
  console.log(JSON.stringify({ whoami: r.whoami, slow: r.slow, progress: r.progress.length, seen: r.seen, steps: r.steps, rec: r.provider.record }, null, 1));
  const m = await registerMachineClient(s.issuer);
  const c = await clientCredentialsFlow({ mcpUrl: s.mcpUrl, issuer: s.issuer, clientId: m.client_id, clientSecret: m.client_secret, scope: 'mcp:tools' });
  console.log(JSON.stringify({ whoami: c.whoami }, null, 1));
} catch (e) { console.error(e); console.error(s.httpd.errorLog().slice(-3000)); }
finally { await stopStack(s); }
