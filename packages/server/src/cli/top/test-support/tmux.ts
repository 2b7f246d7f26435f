import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export const hasTmux = (): boolean => spawnSync('tmux', ['-V']).status === 0;

let serial = 0;

/** One tmux server of its own (`-L`), so tests never touch a user's sessions, with one pane. */
export class TmuxPane {
  private readonly socket = `pulse-top-test-${process.pid}-${++serial}`;
  private readonly name = 'top';

  constructor(command: string, opts: { columns: number; rows: number; cwd: string; env: Record<string, string> }) {
    const env = Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.tmux('new-session', '-d', '-s', this.name, '-x', String(opts.columns), '-y', String(opts.rows), '-c', opts.cwd, ...env, command);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** The visible screen as text (`escapes`: with its SGR colour sequences). */
  capture(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name);
  }

  /** tmux's view of the terminal: alternate screen on, cursor visible. */
  flags(): { alternate: boolean; cursor: boolean } {
    const [alt, cur] = this.tmux('display-message', '-p', '-t', this.name, '#{alternate_on} #{cursor_flag}').trim().split(' ');
    return { alternate: alt === '1', cursor: cur === '1' };
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Polls the screen until `pred` holds (a throw counts as not yet); the last screen is in the error otherwise. */
  async waitFor(pred: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < end) {
      screen = this.capture();
      try {
        if (pred(screen)) return screen;
      } catch {
        // a screen the predicate cannot read yet (e.g. still connecting): poll again
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
  }

  /** Ends the tmux server and removes its socket file (tmux leaves it behind). */
  kill(): void {
    const path = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
    if (path.endsWith(this.socket)) rmSync(path, { force: true });
  }
}
