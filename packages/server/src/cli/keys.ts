import { Command } from 'commander';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import { createKey, publicKey } from '../keys/key-service.js';
import { openMetaStore } from '../store/open-stores.js';
import { detectServer } from './server-api.js';
import type { MetaStore } from '../store/types.js';

/**
 * `pulse keys create|list|revoke`. With a server answering at PULSE_URL the HTTP API is used (the
 * embedded file is held by that process); otherwise the store is opened directly.
 */
export function keysCommand(): Command {
  const cmd = new Command('keys').description('manage API keys (the secret is printed once and stored hashed)');
  cmd
    .command('create')
    .requiredOption('--project <project>', 'project the key belongs to')
    .requiredOption('--scope <scope>', 'ingest | read | admin')
    .option('--name <name>', 'a label for the key')
    .action(async (o: { project: string; scope: string; name?: string }) => {
      const body = { project: o.project, scope: o.scope, ...(o.name ? { name: o.name } : {}) };
      const created = (await viaApi('POST', '/v1/keys', body)) ?? (await withStore((m) => createKey(m, systemClock, body)));
      const c = created as { id: string; key: string; project: string; scope: string };
      process.stdout.write(`id:      ${c.id}\nproject: ${c.project}\nscope:   ${c.scope}\nkey:     ${c.key}\n\nStore the key now: it is not shown again.\n`);
    });
  cmd
    .command('list')
    .option('--project <project>', 'only this project')
    .option('--json', 'print JSON')
    .action(async (o: { project?: string; json?: boolean }) => {
      const q = o.project ? `?project=${encodeURIComponent(o.project)}` : '';
      const res = ((await viaApi('GET', `/v1/keys${q}`)) as { keys: Record<string, unknown>[] } | null) ??
        { keys: (await withStore((m) => m.listKeys(o.project))).map(publicKey) };
      if (o.json) {
        process.stdout.write(JSON.stringify(res.keys, null, 2) + '\n');
        return;
      }
      const rows = res.keys.map((k) => [k.id, k.project, k.scope, k.prefix + '…', k.name ?? '', k.created_at, k.revoked_at ?? 'active'].map(String));
      printTable(['id', 'project', 'scope', 'prefix', 'name', 'created', 'status'], rows);
    });
  cmd
    .command('revoke')
    .argument('<id>', 'key id (from keys list)')
    .action(async (id: string) => {
      const api = await viaApi('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      if (api === null) {
        const ok = await withStore((m) => m.revokeKey(id, Date.now()));
        if (!ok) fail(`no active key with id ${id}`);
      }
      process.stdout.write(`revoked ${id}\n`);
    });
  return cmd;
}

function fail(msg: string): never {
  process.stderr.write(`pulse: ${msg}\n`);
  process.exit(1);
}

/** Returns null when no server answers at PULSE_URL (then the caller uses the store directly). */
async function viaApi(method: string, path: string, body?: unknown): Promise<unknown> {
  const server = await detectServer();
  if (server === null) return null;
  const { base } = server;
  // Content-Type only with a body: the server answers 400 to an empty JSON body (DELETE has none).
  const headers: Record<string, string> = { ...(body ? { 'content-type': 'application/json' } : {}), ...server.headers };
  const res = await fetch(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 204) return {};
  const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!res.ok) fail(`${res.status} ${json.error?.message ?? res.statusText} (server at ${base})`);
  return json;
}

async function withStore<T>(fn: (meta: MetaStore) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // PULSE_POSTGRES_URL: the keys are in PostgreSQL (the data file is not opened); otherwise in the embedded file.
  const stores = await openMetaStore(config).catch((err: Error) => fail(err.message));
  try {
    return await fn(stores.meta);
  } catch (err) {
    fail((err as Error).message);
  } finally {
    await stores.close();
  }
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  process.stdout.write(line(head));
  for (const r of rows) process.stdout.write(line(r));
  if (rows.length === 0) process.stdout.write('(no keys)\n');
}
