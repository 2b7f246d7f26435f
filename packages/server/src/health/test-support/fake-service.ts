import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'up' | 'wrong-model' | 'error' | 'slow';

/**
 * A real HTTP service on 127.0.0.1 (an Ollama-like `/api/tags` answering JSON) that tests take down and bring
 * back on the same port, and switch between answers.
 */
export class FakeService {
  mode: FakeMode = 'up';
  slowMs = 400;
  requests = 0;
  private server: Server | null = null;
  port = 0;

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.requests++;
      const answer = (): void => {
        if (this.mode === 'error') {
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"model not loaded"}');
          return;
        }
        const model = this.mode === 'wrong-model' ? 'other' : 'llama3.2';
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', models: [{ name: model }] }));
      };
      if (this.mode === 'slow') setTimeout(answer, this.slowMs);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Goes down: the port refuses connections until start() again. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
