'use strict';
// The JSON transformer of docs/edge-functions.md section 3 in plain Node.js (no dependencies), for the
// benchmark. Usage: node transform-server.js PORT. Also usable as a module: require('./transform-server.js').transform.
const http = require('node:http');
const crypto = require('node:crypto');

const MAX_BODY = 1024 * 1024;
const TS_MIN = -62135596800000;
const TS_MAX = 253402300799999;
const TS_PROBLEM = 'expected an epoch-millisecond integer or an ISO-8601 string with offset';

// ---- strict scanner (section 2) ----
class JsonError extends Error {
  constructor(off, reason) { super(reason); this.off = off; this.reason = reason; }
}
const isWs = (c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c) => c >= 0x30 && c <= 0x39;
const isHex = (c) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const EOF_ = 'unexpected end of input', CHAR = 'unexpected character', NUM = 'invalid number',
  ESC = 'invalid escape', CTRL = 'control character in string', DEEP = 'nesting deeper than 64',
  TRAIL = 'trailing characters';

function ws(s, i) { const n = s.length; while (i < n && isWs(s[i])) i++; return i; }

function scanString(s, i) {
  const n = s.length;
  i++;
  for (;;) {
    if (i >= n) throw new JsonError(n, EOF_);
    const c = s[i];
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      i++;
      if (i >= n) throw new JsonError(n, EOF_);
      const e = s[i];
      if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i++;
      } else if (e === 0x75) {
        i++;
        for (let k = 0; k < 4; k++, i++) {
          if (i >= n) throw new JsonError(n, ESC);
          if (!isHex(s[i])) throw new JsonError(i, ESC);
        }
      } else throw new JsonError(i, ESC);
    } else if (c < 0x20) throw new JsonError(i, CTRL);
    else i++;
  }
}

function scanNumber(s, i) {
  const n = s.length;
  if (s[i] === 0x2d) {
    i++;
    if (i >= n) throw new JsonError(n, EOF_);
    if (!isDigit(s[i])) throw new JsonError(i, NUM);
  }
  if (s[i] === 0x30) i++; else while (i < n && isDigit(s[i])) i++;
  if (i < n && s[i] === 0x2e) {
    i++;
    if (i >= n) throw new JsonError(n, EOF_);
    if (!isDigit(s[i])) throw new JsonError(i, NUM);
    while (i < n && isDigit(s[i])) i++;
  }
  if (i < n && (s[i] === 0x65 || s[i] === 0x45)) {
    i++;
    if (i >= n) throw new JsonError(n, EOF_);
    if (s[i] === 0x2b || s[i] === 0x2d) { i++; if (i >= n) throw new JsonError(n, EOF_); }
    if (!isDigit(s[i])) throw new JsonError(i, NUM);
    while (i < n && isDigit(s[i])) i++;
  }
  return i;
}

function scanLiteral(s, i, lit) {
  const n = s.length;
  for (let k = 0; k < lit.length; k++, i++) {
    if (i >= n) throw new JsonError(n, EOF_);
    if (s[i] !== lit.charCodeAt(k)) throw new JsonError(i, CHAR);
  }
  return i;
}

// Validates the whole text; throws JsonError.
function validate(s) {
  const n = s.length;
  const stack = [];
  let i = ws(s, 0);
  let state = 0; // 0 value, 1 key, 2 after value
  for (;;) {
    if (state === 0) {
      if (i >= n) throw new JsonError(n, EOF_);
      const c = s[i];
      if (c === 0x7b || c === 0x5b) {
        if (stack.length === 64) throw new JsonError(i, DEEP);
        stack.push(c);
        i = ws(s, i + 1);
        if (i >= n) throw new JsonError(n, EOF_);
        if (s[i] === (c === 0x7b ? 0x7d : 0x5d)) { i++; stack.pop(); state = 2; continue; }
        if (c === 0x7b) { if (s[i] !== 0x22) throw new JsonError(i, CHAR); state = 1; continue; }
        continue;
      }
      if (c === 0x22) i = scanString(s, i);
      else if (c === 0x74) i = scanLiteral(s, i, 'true');
      else if (c === 0x66) i = scanLiteral(s, i, 'false');
      else if (c === 0x6e) i = scanLiteral(s, i, 'null');
      else if (c === 0x2d || isDigit(c)) i = scanNumber(s, i);
      else throw new JsonError(i, CHAR);
      state = 2;
    } else if (state === 1) {
      i = ws(s, scanString(s, i));
      if (i >= n) throw new JsonError(n, EOF_);
      if (s[i] !== 0x3a) throw new JsonError(i, CHAR);
      i = ws(s, i + 1);
      state = 0;
    } else {
      i = ws(s, i);
      if (stack.length === 0) { if (i < n) throw new JsonError(i, TRAIL); return; }
      if (i >= n) throw new JsonError(n, EOF_);
      const top = stack[stack.length - 1];
      if (s[i] === 0x2c) {
        i = ws(s, i + 1);
        if (top === 0x7b) {
          if (i >= n) throw new JsonError(n, EOF_);
          if (s[i] !== 0x22) throw new JsonError(i, CHAR);
          state = 1;
        } else state = 0;
      } else if (s[i] === (top === 0x7b ? 0x7d : 0x5d)) { i++; stack.pop(); }
      else throw new JsonError(i, CHAR);
    }
  }
}

// ---- navigation over validated text ----
function stringEnd(s, i) {
  const n = s.length;
  i++;
  while (i < n) { if (s[i] === 0x22) return i + 1; i += s[i] === 0x5c ? 2 : 1; }
  return n;
}
function valueEnd(s, i) {
  const n = s.length;
  let c = s[i];
  if (c === 0x22) return stringEnd(s, i);
  if (c === 0x74 || c === 0x6e) return i + 4;
  if (c === 0x66) return i + 5;
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    while (i < n) {
      c = s[i];
      if (c === 0x22) { i = stringEnd(s, i); continue; }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) { if (--depth === 0) return i + 1; }
      i++;
    }
    return n;
  }
  i++;
  while (i < n && (isDigit(s[i]) || s[i] === 0x2e || s[i] === 0x65 || s[i] === 0x45 || s[i] === 0x2b || s[i] === 0x2d)) i++;
  return i;
}
// Members of the object at obj as a Map of raw key (latin1 string of the bytes) -> [start, end]; last wins.
function members(s, obj) {
  const m = new Map();
  let i = ws(s, obj + 1);
  if (s[i] === 0x7d) return m;
  for (;;) {
    const kend = stringEnd(s, i);
    const key = s.toString('latin1', i + 1, kend - 1);
    i = ws(s, ws(s, kend) + 1);
    const e = valueEnd(s, i);
    m.set(key, [i, e]);
    i = ws(s, e);
    if (s[i] === 0x7d) return m;
    i = ws(s, i + 1);
  }
}
function elements(s, arr) {
  const out = [];
  let i = ws(s, arr + 1);
  if (s[i] === 0x5d) return out;
  for (;;) {
    const e = valueEnd(s, i);
    out.push([i, e]);
    i = ws(s, e);
    if (s[i] === 0x5d) return out;
    i = ws(s, i + 1);
  }
}

// ---- timestamps ----
function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor((y >= 0 ? y : y - 399) / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
const MDAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

// Returns [ms] or ['bad'] / ['range'].
function parseTimestamp(s, vs, ve) {
  const c = s[vs];
  if (c === 0x22) {
    const str = s.toString('latin1', vs + 1, ve - 1);
    const m = ISO_RE.exec(str);
    if (!m) return 'bad';
    const y = +m[1], mo = +m[2], d = +m[3], h = +m[4], mi = +m[5], se = +m[6];
    const frac = m[7] ? +(m[7] + '00').slice(0, 3) : 0;
    let oh = 0, om = 0, sign = 0;
    if (m[8] !== 'Z') { sign = m[9] === '+' ? 1 : -1; oh = +m[10]; om = +m[11]; }
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59 || oh > 23 || om > 59) return 'bad';
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    if (d > MDAYS[mo - 1] + (mo === 2 && leap ? 1 : 0)) return 'bad';
    return daysFromCivil(y, mo, d) * 86400000 + h * 3600000 + mi * 60000 + se * 1000 + frac -
      sign * (oh * 3600000 + om * 60000);
  }
  if (!(c === 0x2d || isDigit(c))) return 'bad';
  const tok = s.toString('latin1', vs, ve);
  if (!/^-?\d+$/.test(tok)) return 'bad';
  const digits = tok[0] === '-' ? tok.length - 1 : tok.length;
  if (digits > 15) return 'range';
  const v = Number(tok);
  if (v < TS_MIN || v > TS_MAX) return 'range';
  return v === 0 ? 0 : v; // -0 -> 0
}

// ---- the transformer ----
const jsonError = (off, reason) =>
  [400, `{"error":"invalid_json","message":"invalid JSON at byte ${off}: ${reason}"}`];
const reqError = (path, problem) =>
  [400, `{"error":"invalid_request","message":"${path}: ${problem}"}`];

// body: Buffer. Returns [status, Buffer|string].
function transform(s) {
  try { validate(s); } catch (e) { if (e instanceof JsonError) return jsonError(e.off, e.reason); throw e; }
  const root = ws(s, 0);
  if (s[root] !== 0x7b) return reqError('body', 'expected an object');
  const top = members(s, root);
  const u = top.get('user_id');
  if (!u) return reqError('user_id', 'missing');
  if (!(s[u[0]] === 0x22 || s[u[0]] === 0x2d || isDigit(s[u[0]]))) return reqError('user_id', 'expected a string or a number');
  const ev = top.get('events');
  if (!ev) return reqError('events', 'missing');
  if (s[ev[0]] !== 0x5b) return reqError('events', 'expected an array');
  const recs = [];
  const els = elements(s, ev[0]);
  let tmin = 0, tmax = 0;
  for (let i = 0; i < els.length; i++) {
    const p = `events[${i}]`;
    const [vs] = els[i];
    if (s[vs] !== 0x7b) return reqError(p, 'expected an object');
    const m = members(s, vs);
    const et = m.get('event_type');
    if (!et) return reqError(p + '.event_type', 'missing');
    if (s[et[0]] !== 0x22) return reqError(p + '.event_type', 'expected a string');
    if (et[1] - et[0] === 2) return [422, `{"error":"invalid_event","message":"${p}.event_type: must not be empty"}`];
    const ts = m.get('timestamp');
    if (!ts) return reqError(p + '.timestamp', 'missing');
    const t = parseTimestamp(s, ts[0], ts[1]);
    if (t === 'bad') return reqError(p + '.timestamp', TS_PROBLEM);
    if (t === 'range') return reqError(p + '.timestamp', 'out of range');
    if (i === 0 || t < tmin) tmin = t;
    if (i === 0 || t > tmax) tmax = t;
    const pl = m.get('payload');
    if (!pl) return reqError(p + '.payload', 'missing');
    recs.push([et, t, pl]);
  }
  const md = top.get('metadata');
  if (!md) return reqError('metadata', 'missing');
  if (s[md[0]] !== 0x7b) return reqError('metadata', 'expected an object');
  const mm = members(s, md[0]);
  const tr = mm.get('trace_id');
  if (!tr) return reqError('metadata.trace_id', 'missing');
  if (s[tr[0]] !== 0x22) return reqError('metadata.trace_id', 'expected a string');
  const src = mm.get('source');
  if (src && s[src[0]] !== 0x22) return reqError('metadata.source', 'expected a string');

  const parts = [Buffer.from('{"user_id":'), s.subarray(u[0], u[1]), Buffer.from(',"processed_events":[')];
  for (let k = 0; k < recs.length; k++) {
    const [et, t, pl] = recs[k];
    const hash = crypto.createHash('sha256').update(s.subarray(pl[0], pl[1])).digest('hex').slice(0, 16);
    parts.push(Buffer.from((k ? ',' : '') + '{"event_type":'), s.subarray(et[0], et[1]),
      Buffer.from(`,"normalized_timestamp":${t},"hash":"${hash}"}`));
  }
  parts.push(Buffer.from(`],"total_duration_ms":${recs.length ? tmax - tmin : 0},"trace_id":`),
    s.subarray(tr[0], tr[1]), Buffer.from('}'));
  return [200, Buffer.concat(parts)];
}

function serve(port) {
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    if (req.method !== 'POST') {
      req.resume();
      res.writeHead(405, { Allow: 'POST', 'Content-Type': 'application/json' });
      res.end('{"error":"method_not_allowed","message":"use POST"}');
      return;
    }
    const chunks = [];
    let size = 0, tooLarge = false;
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY) tooLarge = true;
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
      const [status, body] = transform(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65000;
  server.listen(port, () => process.stdout.write(`listening ${server.address().port}\n`));
  return server;
}

module.exports = { transform, validate, parseTimestamp, JsonError };

if (require.main === module) {
  const port = Number(process.argv[2] || 8080);
  serve(port);
}
