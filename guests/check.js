'use strict';
// Self-check for the bundled guests: a randomized corpus run through
//   - the memory-convention modules (a fresh instance per case, and one instance reused for every case),
//   - the WAGI modules (node:wasi, stdin/stdout files),
//   - the Node.js transformer (transform-server.js),
// which must all agree byte for byte; generated valid requests are also compared with an expected answer
// computed independently here, and JSON syntax verdicts with JSON.parse.
// Usage: node check.js [CASES=20000] [SEED=1] [WASM_DIR=../../guests/wasm]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { WASI } = require('node:wasi');
const { transform: jsTransform } = require('../cli/src/main/resources/org/edgebook/cli/edgebench/node/transform-server.js');

const WORKER = process.argv[2] === '--wagi-worker';
const CASES = WORKER ? 0 : Number(process.argv[2] || 20000);
let seed = Number(process.argv[3] || 1) >>> 0;
const WASM_DIR = process.argv[4] || path.join(__dirname, 'wasm');

// ---- deterministic PRNG (mulberry32) ----
function rnd() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = (a, b) => a + Math.floor(rnd() * (b - a + 1)); // inclusive
const pick = (a) => a[Math.floor(rnd() * a.length)];
const chance = (p) => rnd() < p;
const digits = (n) => { let s = ''; for (let i = 0; i < n; i++) s += String(ri(0, 9)); return s; };

// ---- text building with random whitespace ----
const WS = ['', '', '', ' ', ' ', '\n', '\t', '\r\n  ', '  '];
const w = () => pick(WS);
function obj(members) { // members: [keyText, valueText]
  if (!members.length) return '{' + w() + '}';
  return '{' + members.map(([k, v]) => w() + k + w() + ':' + w() + v + w()).join(',') + '}';
}
function arr(items) {
  if (!items.length) return '[' + w() + ']';
  return '[' + items.map((v) => w() + v + w()).join(',') + ']';
}
const STR_PIECES = ['a', 'b', 'Z', '0', ' ', '-', '_', 'click', 'view', 'é', '😀', '日本', '\\n', '\\"', '\\\\', '\\/',
  '\\u00e9', '\\uD83D\\uDE00', '\\u0000', '\\t', '\\b', '\\f', '\\r', '\\u005f', '\\uABCD', '~', '\x7f'];
function jstr(minLen = 0) {
  let s = '';
  const n = ri(minLen, 8);
  for (let i = 0; i < n; i++) s += pick(STR_PIECES);
  return '"' + s + '"';
}
function jnum() {
  let s = chance(0.3) ? '-' : '';
  s += chance(0.2) ? '0' : String(ri(1, 9)) + digits(ri(0, 6));
  if (chance(0.3)) s += '.' + digits(ri(1, 5));
  if (chance(0.15)) s += pick(['e', 'E']) + pick(['', '+', '-']) + digits(ri(1, 3));
  return s;
}
function jvalue(depth) {
  const r = rnd();
  if (depth <= 0 || r < 0.45) {
    return pick([jstr, jnum, () => 'true', () => 'false', () => 'null'])();
  }
  if (r < 0.75) {
    const m = [];
    for (let i = ri(0, 4); i > 0; i--) m.push([jstr(), jvalue(depth - 1)]);
    return obj(m);
  }
  const it = [];
  for (let i = ri(0, 4); i > 0; i--) it.push(jvalue(depth - 1));
  return arr(it);
}
function shuffle(a) { for (let i = a.length - 1; i > 0; i--) { const j = ri(0, i); [a[i], a[j]] = [a[j], a[i]]; } return a; }

// ---- timestamps with known answers ----
const TS_MIN = -62135596800000, TS_MAX = 253402300799999;
const pad = (n, k) => String(n).padStart(k, '0');
function genTimestamp() {
  // returns [text, ms]
  const r = rnd();
  if (r < 0.3) {
    const v = pick([0, TS_MIN, TS_MAX, 1795000000000, ri(-1e12, 1e12) + ri(0, 999), ri(TS_MIN, TS_MAX), ri(-99, 99)]);
    return [String(v), v];
  }
  let ms;
  const r2 = rnd();
  if (r2 < 0.2) { // leap days
    const y = pick([2000, 2024, 2028, 1600, 2400, 4, 400, 9996]);
    ms = Date.UTC(2000, 1, 29, ri(0, 23), ri(0, 59), ri(0, 59), ri(0, 999));
    const d = new Date(ms); d.setUTCFullYear(y); ms = d.getTime();
  } else if (r2 < 0.3) {
    ms = pick([TS_MIN, TS_MAX, TS_MIN + ri(0, 1e9), TS_MAX - ri(0, 1e9)]);
  } else {
    ms = ri(-5e12, 5e12) * 10 + ri(0, 9);
  }
  // offset in minutes, local = utc + offset
  let off = 0, offText = 'Z';
  if (chance(0.75)) {
    const sign = chance(0.5) ? 1 : -1;
    const oh = ri(0, 23), om = pick([0, 0, 30, 45, ri(0, 59)]);
    off = sign * (oh * 60 + om);
    offText = (sign > 0 ? '+' : '-') + pad(oh, 2) + ':' + pad(om, 2);
  }
  let local = ms + off * 60000;
  if (local < TS_MIN || local > TS_MAX) { local = ms; off = 0; offText = 'Z'; }
  const d = new Date(local);
  const ms3 = d.getUTCMilliseconds();
  let text = pad(d.getUTCFullYear(), 4) + '-' + pad(d.getUTCMonth() + 1, 2) + '-' + pad(d.getUTCDate(), 2) + 'T' +
    pad(d.getUTCHours(), 2) + ':' + pad(d.getUTCMinutes(), 2) + ':' + pad(d.getUTCSeconds(), 2);
  let expectMs = local - ms3;
  const k = ri(0, 9);
  if (k > 0) {
    const frac = (pad(ms3, 3) + digits(6)).slice(0, k);
    text += '.' + frac;
    expectMs += Number(frac.padEnd(3, '0').slice(0, 3));
  }
  text += offText;
  return ['"' + text + '"', expectMs - off * 60000];
}
const BAD_TS = ['"2026-02-29T00:00:00Z"', '"2100-02-29T00:00:00Z"', '"2026-13-01T00:00:00Z"', '"2026-00-10T00:00:00Z"',
  '"2026-04-31T00:00:00Z"', '"2026-01-01T24:00:00Z"', '"2026-01-01T00:60:00Z"', '"2026-01-01T00:00:60Z"',
  '"2026-01-01T00:00:00+24:00"', '"2026-01-01T00:00:00+01:60"', '"2026-01-01T00:00:00"', '"2026-01-01t00:00:00Z"',
  '"2026-01-01T00:00:00z"', '"2026-01-01T00:00:00.Z"', '"2026-01-01T00:00:00.1234567890Z"', '"0000-01-01T00:00:00Z"',
  '"2026-01-01 00:00:00Z"', '"2026-1-01T00:00:00Z"', '"2026-01-01T00:00:00+0100"', '"2026-01-01T00:00:00+01"',
  '"2026-01-01T00:00:00\\u005a"', '"\\u0032026-01-01T00:00:00Z"', '""', '"+2026-01-01T00:00:00Z"', '"２026-01-01T00:00:00Z"',
  '1.0', '1e3', '0.5', '-0.0', 'true', 'null', '{}', '[]', '"1795000000000"', '1E+2', '-62135596800001', '253402300800000',
  '99999999999999999999999', '-99999999999999999999', '1000000000000000', '-1000000000000000'];
const EDGE_OK_TS = [['"0001-01-01T00:00:00Z"', TS_MIN], ['"9999-12-31T23:59:59.999999999Z"', TS_MAX],
  ['"0001-01-01T00:00:00+23:59"', TS_MIN - (23 * 60 + 59) * 60000], ['"9999-12-31T23:59:59.999-23:59"', TS_MAX + (23 * 60 + 59) * 60000],
  ['-0', 0], ['"2026-11-22T10:00:00.250+01:00"', 1795338000250], ['"2024-02-29T12:00:00.1-00:00"', Date.UTC(2024, 1, 29, 12, 0, 0, 100)]];

// ---- transform requests ----
function genTransform() {
  // returns { text, expect? } (expect: the exact 200 answer when the request is valid as generated)
  const userId = chance(0.6) ? jstr(1) : jnum();
  const nEv = pick([0, 1, 1, 2, 3, 5, 8, ri(0, 40)]);
  const events = [], outs = [];
  let tmin = 0, tmax = 0;
  for (let i = 0; i < nEv; i++) {
    const et = jstr(1);
    const [tsText, ms] = chance(0.05) ? pick(EDGE_OK_TS) : genTimestamp();
    const payload = jvalue(ri(0, 4));
    const m = [['"event_type"', et], ['"timestamp"', tsText], ['"payload"', payload]];
    if (chance(0.2)) m.push([jstr(), jvalue(2)]);
    if (chance(0.1)) m.push(['"event\\u005ftype"', '""']);
    shuffle(m);
    if (chance(0.1)) m.unshift(['"event_type"', pick(['""', '7', 'null', jstr(1)])]);
    if (chance(0.1)) m.unshift(['"payload"', jvalue(1)]);
    events.push(obj(m));
    if (i === 0 || ms < tmin) tmin = ms;
    if (i === 0 || ms > tmax) tmax = ms;
    const h = crypto.createHash('sha256').update(Buffer.from(payload, 'utf8')).digest('hex').slice(0, 16);
    outs.push('{"event_type":' + et + ',"normalized_timestamp":' + ms + ',"hash":"' + h + '"}');
  }
  const trace = jstr(0);
  const meta = [['"trace_id"', trace]];
  if (chance(0.5)) meta.push(['"source"', jstr(0)]);
  if (chance(0.2)) meta.push(['"other"', jvalue(2)]);
  shuffle(meta);
  const top = [['"user_id"', userId], ['"events"', arr(events)], ['"metadata"', obj(meta)]];
  if (chance(0.2)) top.push(['"extra"', jvalue(3)]);
  if (chance(0.1)) top.push(['"user\\u005fid"', '[]']);
  shuffle(top);
  if (chance(0.1)) top.unshift(['"user_id"', '[]']);
  if (chance(0.1)) top.unshift(['"metadata"', '7']);
  const text = w() + obj(top) + w();
  const expect = '{"user_id":' + userId + ',"processed_events":[' + outs.join(',') + '],"total_duration_ms":' +
    (nEv ? tmax - tmin : 0) + ',"trace_id":' + trace + '}';
  return { text, expect };
}

// A valid request with one field broken on purpose.
function genTransformBroken() {
  const ev = () => obj(shuffle([['"event_type"', jstr(1)], ['"timestamp"', genTimestamp()[0]], ['"payload"', jvalue(2)]]));
  const evs = []; for (let i = ri(0, 4); i > 0; i--) evs.push(ev());
  const top = { user_id: jstr(1), events: null, metadata: obj([['"trace_id"', jstr()], ['"source"', jstr()]]) };
  const badEvent = () => {
    const m = [['"event_type"', jstr(1)], ['"timestamp"', genTimestamp()[0]], ['"payload"', jvalue(2)]];
    const r = rnd();
    if (r < 0.2) m.splice(ri(0, 2), 1);
    else if (r < 0.35) m[0][1] = '""';
    else if (r < 0.5) m[0][1] = pick(['1', 'null', 'true', '[]', '{}']);
    else if (r < 0.85) m[1][1] = pick(BAD_TS);
    else return pick(['1', '"x"', '[]', 'null', 'true']);
    return obj(shuffle(m));
  };
  evs.splice(ri(0, evs.length), 0, badEvent());
  if (chance(0.3)) evs.push(badEvent());
  top.events = arr(evs);
  const r = rnd();
  const fields = [['"user_id"', top.user_id], ['"events"', top.events], ['"metadata"', top.metadata]];
  if (r < 0.1) fields.splice(ri(0, 2), 1);
  else if (r < 0.2) fields[0][1] = pick(['null', 'true', '[]', '{}']);
  else if (r < 0.3) fields[1][1] = pick(['null', '{}', '"[]"', '3']);
  else if (r < 0.4) fields[2][1] = pick(['null', '[]', '"m"', obj([['"source"', jstr()]]), obj([['"trace_id"', '1']]),
    obj([['"trace_id"', jstr()], ['"source"', pick(['1', 'null', '[]'])]])]);
  else if (r < 0.45) return pick(['[]', '"x"', '1', 'null', 'true', '[{}]']);
  return obj(shuffle(fields));
}

// ---- telemetry requests with independently computed answers ----
function decimalText(intPart, places, exact) {
  // random decimal text for an integer number of 1/10^places units: returns [text, truncatedValue]
  const ip = Math.floor(intPart / 10 ** places), fp = intPart % 10 ** places;
  const k = ri(0, places + 3);
  let text = String(ip);
  let value = ip * 10 ** places;
  if (k > 0) {
    const frac = (pad(fp, places) + digits(3)).slice(0, k);
    text += '.' + frac;
    value += Number(frac.padEnd(places, '0').slice(0, places));
  }
  if (exact && k === 0) value = ip * 10 ** places;
  return [text, value];
}
function genTelemetryEvent(node, profile) {
  const tc = pick([0, 1, 5, 1200, ri(0, 1e6), 999999999999]);
  const base = profile.lat;
  let L = Math.max(0, Math.round(base + (rnd() - 0.5) * profile.spread + (chance(0.1) ? ri(0, 5e6) : 0)));
  if (chance(0.05)) L = pick([0, 999999999999, 1, 1000]);
  let E = Math.max(0, Math.min(1e6, Math.round(profile.err + (rnd() - 0.5) * profile.espread + (chance(0.1) ? ri(0, 3e5) : 0))));
  if (chance(0.05)) E = pick([0, 1e6, 1, 999999]);
  const [lt, lv] = decimalText(L, 3);
  let [et, ev] = decimalText(E, 6);
  if (E === 1e6) { et = pick(['1', '1.0', '1.000000000']); ev = 1e6; }
  const m = [['"node_id"', node], ['"transaction_count"', String(tc)], ['"latency_ms"', lt], ['"error_rate"', et],
    ['"timestamp"', genTimestamp()[0]]];
  if (chance(0.1)) m.push(['"extra"', jvalue(2)]);
  shuffle(m);
  return { text: obj(m), node, tc, L: lv, E: ev };
}
function medianB(v) {
  const s = [...v].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const k = s.length;
  return k % 2 ? s[(k - 1) / 2] : (s[k / 2 - 1] + s[k / 2]) / 2n;
}
function expectTelemetry(evs, now, batch) {
  const groups = new Map();
  for (const e of evs) { if (!groups.has(e.node)) groups.set(e.node, []); groups.get(e.node).push(e); }
  const base = new Map();
  for (const [node, g] of groups) {
    if (g.length >= 8) {
      const Ls = g.map((e) => BigInt(e.L)), Es = g.map((e) => BigInt(e.E));
      const mL = medianB(Ls), mE = medianB(Es);
      const abs = (x) => (x < 0n ? -x : x);
      base.set(node, [mL, medianB(Ls.map((x) => abs(x - mL))), mE, medianB(Es.map((x) => abs(x - mE)))]);
    } else base.set(node, [100000n, 20000n, 10000n, 5000n]);
  }
  const outs = evs.map((e) => {
    let [mL, dL, mE, dE] = base.get(e.node);
    if (dL < 1000n) dL = 1000n;
    if (dE < 1000n) dE = 1000n;
    let s = 0n;
    const zl = 6745n * (BigInt(e.L) - mL) / (10n * dL); // BigInt division truncates toward zero
    if (zl > s) s = zl;
    if (e.tc > 0) { const ze = 6745n * (BigInt(e.E) - mE) / (10n * dE); if (ze > s) s = ze; }
    if (s > 999999n) s = 999999n;
    const txt = `${s / 1000n}.${String(s % 1000n).padStart(3, '0')}`;
    return `{"node_id":${e.node},"anomaly_score":${txt},"should_alert":${s >= 3500n},"processed_timestamp":${now}}`;
  });
  return batch ? '[' + outs.join(',') + ']' : outs[0];
}
function genTelemetry(now) {
  if (chance(0.25)) {
    const e = genTelemetryEvent(jstr(1), { lat: 100000, spread: 80000, err: 10000, espread: 20000 });
    return { text: w() + e.text + w(), expect: expectTelemetry([e], now, false) };
  }
  const nodes = [];
  for (let i = ri(1, 4); i > 0; i--) nodes.push({ id: pick(['"edge-fra-1"', '"edge-ams-2"', '"n"', '"edge\\u002dx"', jstr(1)]),
    prof: { lat: ri(1000, 500000), spread: pick([0, 10, 2000, 100000]), err: ri(0, 50000), espread: pick([0, 100, 5000, 50000]) } });
  const n = pick([0, 1, 7, 8, 9, 16, ri(0, 60)]);
  const evs = [];
  for (let i = 0; i < n; i++) { const nd = pick(nodes); evs.push(genTelemetryEvent(nd.id, nd.prof)); }
  return { text: w() + arr(evs.map((e) => e.text)) + w(), expect: expectTelemetry(evs, now, true) };
}
const BAD_TEL = {
  node_id: ['""', '1', 'null', '[]', '{}', 'true'],
  transaction_count: ['-1', '1.0', '1e3', '1000000000000', '"5"', 'null', '0.5', '-0', '999999999999', '-0.0'],
  latency_ms: ['-1', '-0.001', '1e2', '1E-2', '1000000000', '1000000000.5', '"1"', 'null', '-0', '-0.0000', '999999999.9999', '0.0009'],
  error_rate: ['-0.1', '1.0000001', '1.1', '2', '10', '1e-3', '"0.1"', 'null', '-0', '-0.0', '1.000000000', '0.0000009', '1', '0', '-0.0000001'],
  timestamp: BAD_TS,
};
function genTelemetryBroken() {
  const r = rnd();
  if (r < 0.1) return pick(['"x"', '1', 'null', 'true', '[1]', '[{}]', '[[]]', '[null]']);
  const n = ri(1, 10);
  const items = [];
  for (let i = 0; i < n; i++) {
    const m = [['"node_id"', jstr(1)], ['"transaction_count"', String(ri(0, 1000))], ['"latency_ms"', decimalText(ri(0, 1e6), 3)[0]],
      ['"error_rate"', decimalText(ri(0, 1e6), 6)[0]], ['"timestamp"', genTimestamp()[0]]];
    if (chance(0.4)) {
      const f = ri(0, 4);
      if (chance(0.2)) m.splice(f, 1); else m[f][1] = pick(BAD_TEL[m[f][0].slice(1, -1)]);
    }
    items.push(chance(0.05) ? pick(['1', '"x"', '[]', 'null']) : obj(shuffle(m)));
  }
  return n === 1 && chance(0.5) ? items[0] : arr(items);
}

// ---- syntax stress ----
function deep(n, open, close, inner = '0') { return open.repeat(n) + inner + close.repeat(n); }
const SYNTAX = ['', ' ', '\n\t\r ', '{', '[', '"', '"abc', '"\\', '"\\u', '"\\u12', '"\\u12G4"', '"\\x"', '"\\U0041"', '-', '-a', '--1',
  '0.', '0.e1', '1e', '1e+', '1e+a', '1E-', '01', '-01', '1.5.2', '.5', '+1', 'tru', 'trux', 'nul', 'nulll', 'falsey', 'True',
  '{"a"}', '{"a":}', '{"a" 1}', '{"a":1,}', '{,}', '{"a":1 "b":2}', '[1,]', '[,1]', '[1 2]', '[1}', '{"a":1]', '{1:2}',
  "{'a':1}", '"a\x01b"', '"\x1f"', '"\t"', '\ufeff{}', '{} {}', '{}x', '[]]', '\x00', 'nan', 'Infinity', '[-]', '{"a":-}',
  deep(64, '[', ']'), deep(65, '[', ']'), deep(64, '{"a":', '}'), deep(65, '{"a":', '}'), deep(64, '[', ']').slice(0, 100),
  '[' + deep(63, '{"k":', '}', '[]') + ']', '[' + deep(64, '{"k":', '}', '[]') + ']', deep(70, '[', ''), deep(200, '[', ']')];

// mutations of valid text
const FLIP = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '0', '1', '9', 'e', '.', '-', '+', 't', 'n', 'u', 'x', '\x00', '\x1f', '\n', '\xa5', 'é'];
function mutate(text) {
  const b = Buffer.from(text, 'utf8');
  const r = rnd();
  if (r < 0.35) return b.subarray(0, ri(0, b.length));
  const i = ri(0, Math.max(0, b.length - 1));
  const ins = Buffer.from(pick(FLIP), 'latin1');
  if (r < 0.7) return Buffer.concat([b.subarray(0, i), ins, b.subarray(i + 1)]);
  if (r < 0.85) return Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
  return Buffer.concat([b.subarray(0, i), ins, b.subarray(i)]);
}

// ---- runners ----
const rd = (f) => fs.readFileSync(path.join(WASM_DIR, f));
const MODS = {};
for (const f of ['transform-memory', 'telemetry-memory', 'transform-wagi', 'telemetry-wagi'])
  MODS[f] = new WebAssembly.Module(rd(f + '.wasm'));

function memoryImports(now, getMem) {
  return { edgebook: { log: () => {}, request_time_ms: () => BigInt(now), monotonic_ns: () => process.hrtime.bigint() } };
}
function callMemory(inst, body) {
  const ex = inst.exports;
  const p = ex.edge_alloc(body.length) >>> 0;
  new Uint8Array(ex.memory.buffer, p, body.length).set(body);
  const r = ex.edge_handle(p, body.length) >>> 0;
  const dv = new DataView(ex.memory.buffer);
  const st = dv.getUint32(r, true), bp = dv.getUint32(r + 4, true), bl = dv.getUint32(r + 8, true);
  return [st, Buffer.from(new Uint8Array(ex.memory.buffer, bp, bl)).toString('latin1')];
}
function runMemoryFresh(kind, body, now) {
  const inst = new WebAssembly.Instance(MODS[kind + '-memory'], memoryImports(now));
  if (inst.exports._initialize) inst.exports._initialize();
  return callMemory(inst, body);
}
const reused = {};
let reusedNow = 0;
for (const kind of ['transform', 'telemetry']) {
  reused[kind] = new WebAssembly.Instance(MODS[kind + '-memory'],
    { edgebook: { log: () => {}, request_time_ms: () => BigInt(reusedNow), monotonic_ns: () => 0n } });
  reused[kind].exports._initialize();
}
function runMemoryReused(kind, body, now) { reusedNow = now; return callMemory(reused[kind], body); }

// node:wasi (Node 20) crashes the process after a few hundred WASI instances, so WAGI cases run in child
// processes of at most WAGI_BATCH cases each.
const WAGI_BATCH = 150;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgecheck-'));
const wagiQueue = [];
function runWagiBatches() {
  const { spawnSync } = require('node:child_process');
  for (let k = 0; k < wagiQueue.length; k += WAGI_BATCH) {
    const chunk = wagiQueue.slice(k, k + WAGI_BATCH);
    const file = path.join(tmp, 'batch.json');
    fs.writeFileSync(file, JSON.stringify(chunk.map(({ c }) => [c.kind, c.body.toString('base64'), c.now])));
    const r = spawnSync(process.execPath, ['--no-warnings', __filename, '--wagi-worker', file, WASM_DIR],
      { maxBuffer: 1 << 30, encoding: 'utf8' });
    if (r.status !== 0) throw new Error('wagi worker failed: ' + r.status + ' ' + r.signal + ' ' + r.stderr);
    const results = JSON.parse(r.stdout);
    chunk.forEach(({ c, a }, j) => {
      stats.wagi++;
      const g = results[j];
      if (a[0] !== g[0] || a[1] !== g[1]) fail('memory vs wagi', c, { memory: a, wagi: g });
    });
  }
}
function runWagi(kind, body, now) {
  const inPath = path.join(tmp, 'in'), outPath = path.join(tmp, 'out');
  fs.writeFileSync(inPath, body);
  const fin = fs.openSync(inPath, 'r'), fout = fs.openSync(outPath, 'w');
  try {
    const wasi = new WASI({ version: 'preview1', args: [kind], env: { X_REQUEST_TIME_MS: String(now), REQUEST_METHOD: 'POST' },
      stdin: fin, stdout: fout, stderr: fout, returnOnExit: true });
    const inst = new WebAssembly.Instance(MODS[kind + '-wagi'], wasi.getImportObject());
    const code = wasi.start(inst);
    if (code !== 0) return [-1, `exit ${code}`];
  } finally { fs.closeSync(fin); fs.closeSync(fout); }
  const out = fs.readFileSync(outPath).toString('latin1');
  const m = /^Status: (\d{3})\nContent-Type: application\/json\n\n/.exec(out);
  if (!m) return [-2, out.slice(0, 200)];
  return [Number(m[1]), out.slice(m[0].length)];
}

function jsonParseOk(buf) {
  try { JSON.parse(buf.toString('latin1')); return true; } catch { return false; }
}
function depthOver64(buf) { // conservative: max bracket depth outside strings
  let d = 0, m = 0, inStr = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inStr) { if (c === 0x5c) i++; else if (c === 0x22) inStr = false; continue; }
    if (c === 0x22) inStr = true; else if (c === 0x7b || c === 0x5b) { d++; if (d > m) m = d; } else if (c === 0x7d || c === 0x5d) d--;
  }
  return m > 64;
}

// ---- main loop ----
const stats = { cases: 0, transform: 0, telemetry: 0, valid_expected: 0, status: {}, wagi: 0, failures: 0 };
const fails = [];
function fail(what, c, detail) {
  stats.failures++;
  if (fails.length < 15) fails.push({ what, kind: c.kind, body: c.body.toString('latin1').slice(0, 600), detail });
}
function check(c) {
  const now = c.now;
  const a = runMemoryFresh(c.kind, c.body, now);
  const b = runMemoryReused(c.kind, c.body, now);
  stats.status[a[0]] = (stats.status[a[0]] || 0) + 1;
  if (a[0] !== b[0] || a[1] !== b[1]) fail('memory fresh vs reused', c, { fresh: a, reused: b });
  if (c.wagi) wagiQueue.push({ c, a });
  if (c.kind === 'transform') {
    const [js, jb] = jsTransform(c.body);
    const jbs = Buffer.isBuffer(jb) ? jb.toString('latin1') : Buffer.from(jb).toString('latin1');
    if (a[0] !== js || a[1] !== jbs) fail('wasm vs js', c, { wasm: a, js: [js, jbs] });
  }
  if (c.expect !== undefined) {
    stats.valid_expected++;
    const e = Buffer.from(c.expect, 'utf8').toString('latin1');
    if (a[0] !== 200 || a[1] !== e) fail('wasm vs expected', c, { wasm: a, expect: e });
  }
  // syntax verdict vs JSON.parse
  const syntaxErr = a[0] === 400 && a[1].startsWith('{"error":"invalid_json"');
  if (!depthOver64(c.body) && syntaxErr === jsonParseOk(c.body)) fail('syntax verdict vs JSON.parse', c, { wasm: a });
  if (depthOver64(c.body) && jsonParseOk(c.body) && !/nesting deeper than 64/.test(a[1])) fail('depth', c, { wasm: a });
}

if (process.argv[2] === '--wagi-worker') {
  const cases = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const out = cases.map(([kind, b64, now]) => runWagi(kind, Buffer.from(b64, 'base64'), now));
  fs.rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}
const started = Date.now();
const WAGI_EVERY = Number(process.env.WAGI_EVERY || 1);
for (let i = 0; i < CASES; i++) {
  const kind = chance(0.55) ? 'transform' : 'telemetry';
  const now = pick([1795000000000, 0, -1, 253402300799999, ri(0, 2e12)]);
  let body, expect;
  const r = rnd();
  if (kind === 'transform') {
    if (r < 0.4) ({ text: body, expect } = genTransform());
    else if (r < 0.65) body = genTransformBroken();
    else if (r < 0.93) body = mutate(genTransform().text);
    else body = pick(SYNTAX);
  } else {
    if (r < 0.4) ({ text: body, expect } = genTelemetry(now));
    else if (r < 0.65) body = genTelemetryBroken();
    else if (r < 0.93) body = mutate(genTelemetry(now).text);
    else body = pick(SYNTAX);
  }
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  stats.cases++;
  stats[kind]++;
  check({ kind, body: buf, expect, now, wagi: i % WAGI_EVERY === 0 });
}

runWagiBatches();

// hand-checked spec examples
const SPEC = [
  ['transform', '{"user_id": "u-42", "events": [{"event_type": "click", "timestamp": "2026-11-22T10:00:00.250+01:00",\n "payload": {"x": 1}}], "metadata": {"source": "web", "trace_id": "t-9"}}',
    200, '{"user_id":"u-42","processed_events":[{"event_type":"click","normalized_timestamp":1795338000250,"hash":"' +
    crypto.createHash('sha256').update('{"x": 1}').digest('hex').slice(0, 16) + '"}],"total_duration_ms":0,"trace_id":"t-9"}'],
  ['telemetry', '{"node_id": "edge-fra-1", "transaction_count": 1200, "latency_ms": 84.5, "error_rate": 0.002,\n "timestamp": 1795000000000}',
    200, '{"node_id":"edge-fra-1","anomaly_score":0.000,"should_alert":false,"processed_timestamp":1795000000000}'],
  ['transform', '01', 400, '{"error":"invalid_json","message":"invalid JSON at byte 1: trailing characters"}'],
  ['transform', '[01]', 400, '{"error":"invalid_json","message":"invalid JSON at byte 2: unexpected character"}'],
  ['transform', '"\\u12', 400, '{"error":"invalid_json","message":"invalid JSON at byte 5: invalid escape"}'],
  ['transform', '"\\u12x"', 400, '{"error":"invalid_json","message":"invalid JSON at byte 5: invalid escape"}'],
  ['transform', '', 400, '{"error":"invalid_json","message":"invalid JSON at byte 0: unexpected end of input"}'],
  ['transform', '-x', 400, '{"error":"invalid_json","message":"invalid JSON at byte 1: invalid number"}'],
  ['transform', '1.e', 400, '{"error":"invalid_json","message":"invalid JSON at byte 2: invalid number"}'],
  ['transform', '1e+', 400, '{"error":"invalid_json","message":"invalid JSON at byte 3: unexpected end of input"}'],
  ['transform', deep(65, '[', ']'), 400, '{"error":"invalid_json","message":"invalid JSON at byte 64: nesting deeper than 64"}'],
  ['transform', '{"user\\u005fid":1}', 400, '{"error":"invalid_request","message":"user_id: missing"}'],
  ['transform', '{"user_id":1,"events":[{"event_type":"","timestamp":0}],"metadata":{}}', 422,
    '{"error":"invalid_event","message":"events[0].event_type: must not be empty"}'],
  ['transform', '{"user_id":1,"events":[{"event_type":"a","timestamp":"2025-02-29T00:00:00Z","payload":1}]}', 400,
    '{"error":"invalid_request","message":"events[0].timestamp: expected an epoch-millisecond integer or an ISO-8601 string with offset"}'],
  ['transform', '{"user_id":1,"events":[{"event_type":"a","timestamp":253402300800000,"payload":1}]}', 400,
    '{"error":"invalid_request","message":"events[0].timestamp: out of range"}'],
  ['transform', '{"user_id":1,"events":[],"metadata":{"trace_id":"t","source":1}}', 400,
    '{"error":"invalid_request","message":"metadata.source: expected a string"}'],
  ['telemetry', '[{"node_id":"a","transaction_count":1,"latency_ms":1,"error_rate":0,"timestamp":0},{"node_id":"a","latency_ms":1}]', 400,
    '{"error":"invalid_request","message":"[1].transaction_count: missing"}'],
  ['telemetry', '"x"', 400, '{"error":"invalid_request","message":"body: expected an object or an array"}'],
  ['telemetry', '[]', 200, '[]'],
  ['telemetry', '{"node_id":"a","transaction_count":0,"latency_ms":500.0009,"error_rate":1,"timestamp":"2024-02-29T23:59:59.999+23:59"}', 200,
    '{"node_id":"a","anomaly_score":13.490,"should_alert":true,"processed_timestamp":1795000000000}'],
  // readings shared with the Java form (edge/.../TelemetryFunction.java): a minus sign is refused even on zero,
  // and error_rate digits past the sixth decimal are dropped before the range check
  ['telemetry', '{"node_id":"a","transaction_count":-0,"latency_ms":1,"error_rate":0,"timestamp":0}', 400,
    '{"error":"invalid_request","message":"transaction_count: expected a non-negative integer"}'],
  ['telemetry', '{"node_id":"a","transaction_count":0,"latency_ms":-0.0,"error_rate":0,"timestamp":0}', 400,
    '{"error":"invalid_request","message":"latency_ms: expected a non-negative decimal number"}'],
  ['telemetry', '{"node_id":"a","transaction_count":1,"latency_ms":100,"error_rate":1.0000009,"timestamp":0}', 200,
    '{"node_id":"a","anomaly_score":133.551,"should_alert":true,"processed_timestamp":1795000000000}'],
  ['telemetry', '{"node_id":"a","transaction_count":1,"latency_ms":100,"error_rate":1.000001,"timestamp":0}', 400,
    '{"error":"invalid_request","message":"error_rate: expected a decimal number from 0 to 1"}'],
];
let specOk = 0;
for (const [kind, body, st, exp] of SPEC) {
  const got = runMemoryFresh(kind, Buffer.from(body), 1795000000000);
  const wg = runWagi(kind, Buffer.from(body), 1795000000000);
  if (got[0] === st && got[1] === exp && wg[0] === st && wg[1] === exp) specOk++;
  else { stats.failures++; fails.push({ what: 'spec example', body, expect: [st, exp], got, wagi: wg }); }
}

fs.rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify({ ...stats, spec_examples: `${specOk}/${SPEC.length}`, seconds: (Date.now() - started) / 1000 }));
for (const f of fails) console.log(JSON.stringify(f));
process.exit(stats.failures ? 1 : 0);
