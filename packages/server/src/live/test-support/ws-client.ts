import WebSocket from 'ws';

/** A WebSocket client for tests that collects frames and can wait for one matching a predicate. */
export class FrameCollector {
  readonly frames: any[] = [];
  private waiters: Array<{ pred: (f: any) => boolean; resolve: (f: any) => void }> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
    });
  }

  next(pred: (f: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; last: ${JSON.stringify(this.frames.at(-1))?.slice(0, 500)}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (f) => { clearTimeout(t); resolve(f); } });
    });
  }

  /** The next frame that arrives after now and matches. */
  fresh(pred: (f: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const seen = new Set(this.frames);
    return this.next((f) => !seen.has(f) && pred(f), timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}

/** Opens a socket; resolves with a collector, or rejects with the HTTP status of a refused upgrade. */
export function connect(url: string, opts: WebSocket.ClientOptions = {}): Promise<FrameCollector> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    const collector = new FrameCollector(ws);
    ws.once('open', () => resolve(collector));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}
