'use strict';
// Serves a memory-convention guest (docs/edge-functions.md 1.1) over HTTP, a fresh instance per request.
// Usage: node wasm-server.js PORT path/to/module.wasm
const http = require('node:http');
const fs = require('node:fs');
const crypto = require('node:crypto');

const MAX_BODY = 1024 * 1024;
const port = Number(process.argv[2] || 8080);
const file = process.argv[3];
if (!file) { console.error('usage: node wasm-server.js PORT module.wasm'); process.exit(2); }
// Module bytes to first answer, measured the way the JVM side measures it: compile, instantiate, call once.
const coldStart = process.hrtime.bigint();
const module_ = new WebAssembly.Module(fs.readFileSync(file));
const moduleHash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12);
const wasiImports = WebAssembly.Module.imports(module_).filter((i) => i.module === 'wasi_snapshot_preview1');

class ProcExit extends Error { constructor(code) { super(`proc_exit(${code})`); this.code = code; } }

// Minimal WASI preview 1 for a guest with no files, no environment and empty stdin.
function wasiStubs(getMemory) {
  const ENOSYS = 52, EBADF = 8;
  const u32 = (p, v) => new DataView(getMemory().buffer).setUint32(p, v, true);
  const known = {
    args_sizes_get: (c, s) => { u32(c, 0); u32(s, 0); return 0; },
    args_get: () => 0,
    environ_sizes_get: (c, s) => { u32(c, 0); u32(s, 0); return 0; },
    environ_get: () => 0,
    clock_time_get: (id, _prec, p) => {
      const t = id === 0 ? BigInt(Date.now()) * 1000000n : process.hrtime.bigint();
      new DataView(getMemory().buffer).setBigUint64(p, t, true);
      return 0;
    },
    random_get: (p, n) => { crypto.randomFillSync(new Uint8Array(getMemory().buffer, p, n)); return 0; },
    fd_read: (fd, _iovs, _n, nread) => { if (fd !== 0) return EBADF; u32(nread, 0); return 0; },
    fd_write: (fd, iovs, n, nwritten) => {
      if (fd !== 1 && fd !== 2) return EBADF;
      const dv = new DataView(getMemory().buffer);
      let total = 0;
      for (let k = 0; k < n; k++) total += dv.getUint32(iovs + 8 * k + 4, true);
      u32(nwritten, total); // discarded
      return 0;
    },
    fd_close: () => 0,
    fd_fdstat_get: () => EBADF,
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => EBADF,
    fd_seek: () => EBADF,
    proc_exit: (code) => { throw new ProcExit(code); },
    sched_yield: () => 0,
  };
  const out = {};
  for (const imp of wasiImports) out[imp.name] = known[imp.name] || (() => ENOSYS);
  return out;
}

function instanceImports(requestId = 0, requestTime = BigInt(Date.now()), getMemory = () => undefined) {
  const imports = {
    edgebook: {
      log: (p, n) => {
        const line = Buffer.from(getMemory().buffer, p, n).toString('utf8');
        process.stderr.write(`[${moduleHash} ${requestId}] ${line}\n`);
      },
      request_time_ms: () => requestTime,
      monotonic_ns: () => process.hrtime.bigint(),
    },
  };
  if (wasiImports.length) imports.wasi_snapshot_preview1 = wasiStubs(getMemory);
  return imports;
}

function handle(body, requestId) {
  let memory;
  const instance = new WebAssembly.Instance(module_, instanceImports(requestId, BigInt(Date.now()), () => memory));
  const ex = instance.exports;
  memory = ex.memory;
  if (typeof ex._initialize === 'function') ex._initialize();
  const ptr = ex.edge_alloc(body.length) >>> 0;
  if (ptr === 0 && body.length > 0) throw new Error('edge_alloc failed');
  new Uint8Array(memory.buffer, ptr, body.length).set(body);
  const res = ex.edge_handle(ptr, body.length) >>> 0;
  const dv = new DataView(memory.buffer);
  const status = dv.getUint32(res, true), bp = dv.getUint32(res + 4, true), bl = dv.getUint32(res + 8, true);
  return [status, Buffer.from(new Uint8Array(memory.buffer, bp, bl))]; // copy out
}

let nextId = 1;
const server = http.createServer({ keepAlive: true }, (req, res) => {
  if (req.method !== 'POST') {
    req.resume();
    res.writeHead(405, { Allow: 'POST', 'Content-Type': 'application/json' });
    res.end('{"error":"method_not_allowed","message":"use POST"}');
    return;
  }
  const chunks = [];
  let size = 0, tooLarge = Number(req.headers['content-length']) > MAX_BODY;
  req.on('data', (c) => {
    if (tooLarge) return;
    size += c.length;
    if (size > MAX_BODY) { tooLarge = true; chunks.length = 0; return; }
    chunks.push(c);
  });
  req.on('end', () => {
    if (tooLarge) {
      res.writeHead(413, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end('{"error":"payload_too_large","message":"the body is over 1048576 bytes"}');
      return;
    }
    let status, body;
    try {
      [status, body] = handle(Buffer.concat(chunks), nextId++);
    } catch (e) {
      status = 500;
      body = JSON.stringify({ error: 'guest_error', message: String(e && e.message || e) });
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
const probe = Buffer.from('{"user_id":"u","events":[],"metadata":{"trace_id":"t"}}');
handle(probe, 0);
const coldStartUs = Number((process.hrtime.bigint() - coldStart) / 1000n);
const instantiations = 2000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < instantiations; i++) new WebAssembly.Instance(module_, instanceImports());
const instantiateUs = Number(process.hrtime.bigint() - t0) / 1000 / instantiations;
server.listen(port, () => process.stdout.write(
  `listening ${server.address().port} cold_start_us=${coldStartUs} instantiate_us=${instantiateUs.toFixed(2)}\n`));
