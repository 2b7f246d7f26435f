/**
 * Probes `GET /health` every 100 ms in a process of its own (forked by operations.bench.ts), so the latency it
 * records is the server's, not that of a client process busy with 200 abusive clients. Args: url, duration ms.
 * Sends `{ latencies, failures }` over IPC when done.
 */
const [url, durationArg] = process.argv.slice(2);
const deadline = performance.now() + Number(durationArg);
const latencies: number[] = [];
let failures = 0;
while (performance.now() < deadline) {
  const t0 = performance.now();
  const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) }).then(async (r) => {
    await r.arrayBuffer();
    return r.status === 200;
  }, () => false);
  if (ok) latencies.push(performance.now() - t0);
  else failures++;
  await new Promise((r) => setTimeout(r, 100));
}
process.send?.({ latencies, failures }, () => process.exit(0));
