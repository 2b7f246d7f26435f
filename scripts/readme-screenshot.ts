/**
 * The README's dashboard picture: a real server, `pulse demo` traffic through the public API, and
 * Debian's Chromium. Run: `npm run build && node --import tsx scripts/readme-screenshot.ts`
 * (writes docs/images/dashboard.png and docs/images/dashboard-phone.png).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../packages/dashboard/e2e/support.js';
import { startPulse } from '../packages/server/src/server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-readme-'));
const pulse = await startPulse({ port: 0, dataDir, logLevel: 'silent' });
const demo = execFile(process.execPath, [join(root, 'packages/server/dist/cli/main.js'), 'demo', '--url', pulse.url, '--duration', '40', '--backfill', '24'], { cwd: root });
try {
  await new Promise((r) => setTimeout(r, 25_000)); // backfill done, live traffic flowing
  const browser = await launchBrowser();
  for (const [name, width, height] of [['dashboard', 1280, 1000], ['dashboard-phone', 375, 1400]] as const) {
    const page = await browser.newPage({ viewport: { width, height }, colorScheme: 'light' });
    await page.goto(`${pulse.url}/?range=24h`);
    await page.waitForFunction(() => document.querySelectorAll('[data-state="loading"]').length === 0, null, { timeout: 20_000 });
    await page.waitForTimeout(2500); // a few live frames and tail rows
    await page.screenshot({ path: join(root, 'docs', 'images', `${name}.png`) });
    await page.close();
  }
  await browser.close();
} finally {
  demo.kill('SIGINT');
  await pulse.close();
  rmSync(dataDir, { recursive: true, force: true });
}
