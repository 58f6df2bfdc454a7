// The test bench of the MCP and interop tests: private httpd instances
// with the built module, the sample MCP server (mcp/server), keys made by
// the openssl command, password files made by htpasswd. Everything runs on
// 127.0.0.1 with ports chosen at run time, in a temporary directory under
// /tmp that is removed at the end, and every process started here is
// stopped by its process id when the test file ends (tests/mcp/run.sh also
// kills the whole process group if the run is interrupted).
//
// Environment (exported by tests/mcp/run.sh; the defaults fit a build in
// the source tree): TJWT_MODULE, TJWT_APACHE_MODULES, TJWT_HTTPD,
// TJWT_BUILD_DIR.
import { spawn, spawnSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Node 18 (Debian 12's nodejs) has Web Crypto only as node:crypto's
// webcrypto; jose 6 and the MCP SDK look for globalThis.crypto.
globalThis.crypto ??= webcrypto;

export const testsDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const srcDir = resolve(testsDir, '..');
export const buildDir = process.env.TJWT_BUILD_DIR || srcDir;
export const moduleSo = process.env.TJWT_MODULE || join(buildDir, '.libs/mod_teleport_jwt.so');
export const modDir = process.env.TJWT_APACHE_MODULES || '/usr/lib/apache2/modules';
export const httpdBin = process.env.TJWT_HTTPD || '/usr/sbin/apache2';
export const serverScript = join(srcDir, 'mcp/server/server.mjs');
export const python = '/usr/bin/python3';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- processes and clean-up -------------------------------------------------

const children = new Set();
const tempDirs = new Set();

// SIGTERM first: an httpd parent killed outright leaves its workers
// holding the port; asked to stop, it stops them. Then, up to 5 s later,
// SIGKILL for whatever is left.
function killAll() {
  for (const p of children) {
    try { p.kill('SIGTERM'); } catch { /* gone */ }
  }
  // A child that has exited stays a zombie until the event loop reaps it,
  // which it cannot do while this waits: read its state instead.
  const alive = (p) => {
    try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p.pid}/stat`, 'utf8')); } catch { return false; }
  };
  const end = Date.now() + 5000;
  while ([...children].some(alive) && Date.now() < end) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  for (const p of children) {
    try { p.kill('SIGKILL'); } catch { /* gone */ }
  }
  children.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}
process.on('exit', killAll);
for (const [sig, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.on(sig, () => { killAll(); process.exit(128 + n); });
}

// Stops a child: SIGTERM, then SIGKILL if it has not exited within 10 s.
async function stopChild(p) {
  if (!children.has(p)) return;
  children.delete(p);
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = once(p, 'exit');
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

// Runs a command to its end; resolves { code, stdout, stderr }.
export function run(cmd, args, { input, env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    // No input, no pipe: a child that exits before reading its input
    // would otherwise make the write fail with EPIPE after the fact.
    const p = spawn(cmd, args, {
      env: env ?? process.env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    children.add(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => { clearTimeout(t); children.delete(p); reject(e); });
    p.on('close', (code, signal) => {
      clearTimeout(t);
      children.delete(p);
      resolvePromise({ code: code ?? 128, signal, stdout, stderr });
    });
    if (input !== undefined) {
      // The child may exit without reading it all; that is its answer.
      p.stdin.on('error', () => {});
      p.stdin.end(input);
    }
  });
}

function mustRun(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

// --- files ------------------------------------------------------------------

// A directory under /tmp that httpd's children (nobody, when the tests run
// as root) can read; removed when the process exits.
export function tempDir(prefix = 'tjwt-mcp-') {
  const d = mkdtempSync(join('/tmp', prefix));
  chmodSync(d, 0o755);
  tempDirs.add(d);
  return d;
}

export function removeTempDirs() {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

// A bcrypt password file; passwords go to htpasswd on stdin, never argv.
export function htpasswd(file, users) {
  let first = true;
  for (const [user, password] of Object.entries(users)) {
    mustRun('htpasswd', [...(first ? ['-c'] : []), '-B', '-i', file, user], { input: `${password}\n` });
    first = false;
  }
  chmodSync(file, 0o644);
}

// A private key made by the openssl command: rsa (2048 bits), ec (P-256)
// or ed25519. Returns { key, pub } paths.
export function genKey(dir, kind) {
  const key = join(dir, `${kind}.pem`);
  const pub = join(dir, `${kind}.pub.pem`);
  const args = {
    rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ed25519: ['-algorithm', 'ED25519'],
  }[kind];
  mustRun('openssl', ['genpkey', ...args, '-out', key]);
  chmodSync(key, 0o600);
  mustRun('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  return { key, pub };
}

export const basic = (user, password) =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

// --- ports ------------------------------------------------------------------

// A port that was free a moment ago (the kernel's choice). Another process
// may take it before httpd binds it; Httpd.start() then tries new ports.
export async function freePort() {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

function canConnect(port) {
  return new Promise((r) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => { c.destroy(); r(true); });
    c.once('error', () => r(false));
  });
}

// --- httpd --------------------------------------------------------------------

// A private httpd with the module: the base configuration, then whatever
// the test adds. confFn(ports) returns the test's lines; ports is the list
// of `nports` ports (the first is the main server's), chosen at start, or
// the given `ports` when the caller had to know them earlier.
export class Httpd {
  constructor({ dir, name = 'tjwt-mcp.test', nports = 1, ports, confFn }) {
    this.dir = dir;
    this.name = name;
    this.nports = ports ? ports.length : nports;
    this.fixedPorts = ports;
    this.confFn = confFn;
    mkdirSync(join(dir, 'htdocs'), { recursive: true });
    mkdirSync(join(dir, 'run'), { recursive: true });
    mkdirSync(join(dir, 'logs'), { recursive: true });
  }

  writeConf(ports) {
    const d = this.dir;
    const lines = [
      `ServerRoot "${d}"`,
      `ServerName ${this.name}`,
      ...ports.map((p) => `Listen 127.0.0.1:${p}`),
      `PidFile "${d}/run/httpd.pid"`,
      `DefaultRuntimeDir "${d}/run"`,
      `ErrorLog "${d}/logs/error_log"`,
      'LogLevel info teleport_jwt:debug',
      ...['mpm_event', 'authn_core', 'authn_file', 'authz_core', 'authz_user',
        'auth_basic', 'proxy', 'proxy_http', 'headers']
        .map((m) => `LoadModule ${m}_module "${modDir}/mod_${m}.so"`),
      '<IfModule !log_config_module>',
      `    LoadModule log_config_module "${modDir}/mod_log_config.so"`,
      '</IfModule>',
      `LoadModule teleport_jwt_module "${moduleSo}"`,
      ...(process.getuid() === 0 ? ['User nobody', 'Group nogroup'] : []),
      'StartServers 1',
      'ServerLimit 2',
      'ThreadsPerChild 16',
      'MaxRequestWorkers 32',
      'LogFormat "%h %u \\"%r\\" %>s %b %D" tjwt',
      `CustomLog "${d}/logs/access_log" tjwt`,
      `DocumentRoot "${d}/htdocs"`,
      '<Directory />',
      '    AllowOverride None',
      '    Require all denied',
      '</Directory>',
      `<Directory "${d}/htdocs">`,
      '    Require all granted',
      '</Directory>',
      ...this.confFn(ports),
    ];
    writeFileSync(join(this.dir, 'httpd.conf'), lines.join('\n') + '\n');
  }

  errorLog() {
    try { return readFileSync(join(this.dir, 'logs/error_log'), 'utf8'); } catch { return ''; }
  }

  // Starts httpd in the foreground (a child of this process, so it can be
  // stopped by its pid) and waits until every port accepts connections.
  async start() {
    let lastError;
    for (let attempt = 0; attempt < 3; attempt++) {
      const ports = this.fixedPorts ? [...this.fixedPorts] : [];
      while (ports.length < this.nports) {
        const p = await freePort();
        if (!ports.includes(p)) ports.push(p);
      }
      this.ports = ports;
      this.writeConf(ports);
      // A configuration error shows here, with Apache's own message.
      mustRun(httpdBin, ['-d', this.dir, '-f', join(this.dir, 'httpd.conf'), '-t']);
      const p = spawn(httpdBin, ['-d', this.dir, '-f', join(this.dir, 'httpd.conf'), '-DFOREGROUND'],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(p);
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { out += d; });
      this.proc = p;
      for (let i = 0; i < 200; i++) { // 10 s at most
        if (p.exitCode !== null) break;
        const up = await Promise.all(ports.map(canConnect));
        if (up.every(Boolean)) return this;
        await sleep(50);
      }
      lastError = `httpd did not come up: ${out}\n${this.errorLog().split('\n').slice(-15).join('\n')}`;
      await stopChild(p);
      // A port taken meanwhile: try again with new ones.
      if (this.fixedPorts || !/Address already in use|could not bind/i.test(lastError)) break;
    }
    throw new Error(lastError);
  }

  url(path = '', i = 0) {
    return `http://127.0.0.1:${this.ports[i]}${path}`;
  }

  async stop() {
    if (this.proc) await stopChild(this.proc);
    this.proc = null;
  }
}

// --- the sample MCP server ------------------------------------------------------

// Starts mcp/server/server.mjs on a port of its own choosing (--port 0) and
// waits for its "listening on" line. Resolves { port, url, stop, log }.
export async function startMcpServer({ jwksUrl, issuer, audience, auditLog }) {
  const args = [serverScript, '--port', '0', '--jwks-url', jwksUrl, '--issuer', issuer,
    '--audience', audience];
  if (auditLog) args.push('--audit-log', auditLog);
  const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(p);
  let out = '';
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const port = await new Promise((resolvePort, reject) => {
    const t = setTimeout(() => reject(new Error(`MCP server did not start in 30 s: ${out}${err}`)), 30_000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) { clearTimeout(t); resolvePort(Number(m[1])); }
    });
    p.on('exit', (code) => { clearTimeout(t); reject(new Error(`MCP server exited (${code}): ${out}${err}`)); });
  });
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/mcp`,
    log: () => out + err,
    stop: () => stopChild(p),
  };
}

// The audit log of a server started with auditLog: one object per request.
export function readAudit(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// --- verifiers ---------------------------------------------------------------

// Builds the go-jose verifier offline from Debian's Go packages, in GOPATH
// mode, into the build tree (kept, with Go's build cache, for the next run).
// Each test file names its own binary: the runner runs files side by side.
export async function buildGoVerifier(name = 'gojose_verify') {
  const goDir = join(buildDir, 'build', 'go');
  mkdirSync(join(goDir, 'path'), { recursive: true });
  const out = join(goDir, name);
  const go = existsSync('/usr/bin/go') ? '/usr/bin/go' : '/usr/lib/go/bin/go';
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: `/usr/share/gocode:${join(goDir, 'path')}`,
    GOCACHE: join(goDir, 'cache'),
    GOFLAGS: '',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  const r = await run(go, ['build', '-o', out, join(testsDir, 'verify', 'gojose_verify.go')],
    { env, timeoutMs: 120_000 });
  if (r.code !== 0) {
    throw new Error(`go build failed (install golang-go and golang-gopkg-square-go-jose.v2-dev): ${r.stderr}`);
  }
  return out;
}

// --- tokens -------------------------------------------------------------------

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  const dec = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  return { header: dec(h), payload: dec(p) };
}
