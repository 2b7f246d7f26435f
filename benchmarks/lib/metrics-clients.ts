/**
 * A child process holding many `/ws/metrics` clients for the live bench, so their frame handling does
 * not share an event loop with the load generator (it still shares the machine's cores, as the ingest
 * bench's client does). Driven over IPC by live.bench.ts:
 *   → {cmd: 'connect', url, clients, probeModel}   ← {type: 'connected', ok, failed, ms}
 *   → {cmd: 'record'}                               (start recording probe transitions)
 *   → {cmd: 'report'}                               ← {type: 'report', …ClientsReport}
 *   → {cmd: 'close'}                                (closes every socket and exits)
 * Frames are not JSON-parsed: the two figures needed are found in the raw bytes, which keeps a
 * thousand frames a second cheap for the client side.
 */
import WebSocket from 'ws';

export interface ClientsReport {
  /** Per client, the probe count it saw and when (epoch ms, `Date.now()`), flattened: [count, t, count, t, …]. */
  transitions: number[][];
  frames: number;
  bytes: number;
  /** The largest `skipped_frames` any client was told about. */
  maxSkipped: number;
  /** CPU of this process since `record`, in seconds. */
  cpuSeconds: number;
  /** Sockets closed before `close`. */
  dropped: number;
}

type Command = { cmd: 'connect'; url: string; clients: number; probeModel: string } | { cmd: 'record' } | { cmd: 'report' } | { cmd: 'close' };

// The wall clock, read at the moment in both processes. Not performance.timeOrigin + now(): the monotonic
// clock stops while the VM is paused, so a long-running process drifts from a younger one (seen: +4 s).
const wallMs = (): number => Date.now();
const SKIPPED = Buffer.from('"skipped_frames":');

/** The integer right after `at` in `buf` (digits only), or null. */
function intAfter(buf: Buffer, at: number): number | null {
  let n = 0;
  let i = at;
  for (; i < buf.length && i < at + 16; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return i > at ? n : null;
}

interface Client {
  ws: WebSocket;
  lastCount: number;
  transitions: number[];
}

const clients: Client[] = [];
let recording = false;
let frames = 0;
let bytes = 0;
let maxSkipped = 0;
let dropped = 0;
let closing = false;
let cpu0 = process.cpuUsage();
let probeKey = Buffer.alloc(0);

function onFrame(c: Client, data: Buffer): void {
  frames++;
  bytes += data.length;
  const s = data.indexOf(SKIPPED);
  if (s >= 0) maxSkipped = Math.max(maxSkipped, intAfter(data, s + SKIPPED.length) ?? 0);
  if (!recording) return;
  const p = data.indexOf(probeKey);
  if (p < 0) return;
  const count = intAfter(data, p + probeKey.length);
  if (count !== null && count > c.lastCount) {
    c.lastCount = count;
    c.transitions.push(count, wallMs());
  }
}

function open(url: string): Promise<Client | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const c: Client = { ws, lastCount: 0, transitions: [] };
    ws.on('message', (data: Buffer) => onFrame(c, data));
    ws.once('open', () => resolve(c));
    ws.once('error', () => resolve(null));
    ws.on('close', () => {
      if (!closing) dropped++;
    });
  });
}

async function connect(cmd: Extract<Command, { cmd: 'connect' }>): Promise<void> {
  probeKey = Buffer.from(`"${cmd.probeModel}":{"input_tokens":`);
  const t0 = performance.now();
  let failed = 0;
  // In waves, so the server's accept backlog is never the limit being measured.
  for (let i = 0; i < cmd.clients; i += 50) {
    const wave = await Promise.all(Array.from({ length: Math.min(50, cmd.clients - i) }, () => open(cmd.url)));
    for (const c of wave) c ? clients.push(c) : failed++;
  }
  process.send!({ type: 'connected', ok: clients.length, failed, ms: performance.now() - t0 });
}

process.on('message', (msg: Command) => {
  if (msg.cmd === 'connect') void connect(msg);
  else if (msg.cmd === 'record') {
    recording = true;
    frames = bytes = maxSkipped = 0;
    cpu0 = process.cpuUsage();
  } else if (msg.cmd === 'report') {
    const cpu = process.cpuUsage(cpu0);
    const report: ClientsReport = {
      transitions: clients.map((c) => c.transitions), frames, bytes, maxSkipped, cpuSeconds: (cpu.user + cpu.system) / 1e6, dropped,
    };
    process.send!({ type: 'report', ...report });
  } else if (msg.cmd === 'close') {
    closing = true;
    for (const c of clients) c.ws.terminate();
    process.disconnect();
  }
});
