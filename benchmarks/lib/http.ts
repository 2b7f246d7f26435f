import http from 'node:http';

/**
 * A small keep-alive HTTP client on node:http: the load generator shares two cores with the server,
 * so it does as little per request as possible (no fetch/undici stream machinery, pre-built bodies).
 */
export interface HttpResult {
  status: number;
  body: string;
  /** Wall time from sending the request to the last byte of the answer. */
  ms: number;
  headers: http.IncomingHttpHeaders;
}

export function createAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 10_000 });
}

export function request(
  agent: http.Agent,
  url: URL,
  method: 'GET' | 'POST',
  body?: Buffer,
  headers: http.OutgoingHttpHeaders = {},
  timeoutMs = 120_000,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = http.request(
      url,
      {
        agent,
        method,
        headers: body ? { ...headers, 'content-length': body.length } : headers,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - start,
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** GET that must answer 200; returns the body and the time. */
export async function getOk(agent: http.Agent, url: URL): Promise<HttpResult> {
  const res = await request(agent, url, 'GET');
  if (res.status !== 200) throw new Error(`GET ${url.pathname}${url.search}: ${res.status} ${res.body.slice(0, 300)}`);
  return res;
}
