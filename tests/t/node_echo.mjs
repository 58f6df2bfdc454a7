// An upstream written with Node's `http` module and its default limits
// (16 KiB of request headers in all, 431 beyond): answers every request
// with the request's headers as received, as JSON in the form of
// TJWT::Echo ({"headers": [[name, value], ...]}).
//
// Usage: node node_echo.mjs PORT (prints "listening" once it accepts).
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const headers = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  }
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ method: req.method, uri: req.url, headers }));
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => {
  process.stdout.write('listening\n');
});
// Stopped by the test with SIGTERM (pooled proxy connections would keep
// a graceful close waiting).
process.on('SIGTERM', () => process.exit(0));
