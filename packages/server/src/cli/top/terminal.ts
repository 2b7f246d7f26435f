import { writeSync } from 'node:fs';

/** ESC sequences of a full-screen view: the alternate buffer, no cursor, no autowrap (lines are cut to the width already). */
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[H\x1b[2J';
const LEAVE = '\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l';

export interface Terminal {
  readonly fullScreen: boolean;
  /** Replaces the screen (full screen) or prints the frame after the previous one (plain). */
  draw(text: string): void;
  /** Leaves the alternate screen and cooked mode; idempotent, safe from an `exit` handler. */
  restore(): void;
}

export interface TerminalStreams {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/**
 * Full screen on a TTY: alternate buffer, raw stdin, redraw in place (home, each line then clear-to-end,
 * then clear below — no flicker). Otherwise plain: each frame printed after the previous, like `top -b`.
 * Whatever happens, the terminal is given back: `restore()` is also hooked to the process `exit` event.
 */
export function openTerminal({ stdout, stdin }: TerminalStreams, fullScreen: boolean): Terminal {
  let active = fullScreen;
  const restore = (): void => {
    if (!active) return;
    active = false;
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      /* stdin already closed */
    }
    try {
      writeSync((stdout as { fd?: number }).fd ?? 1, LEAVE);
    } catch {
      stdout.write(LEAVE);
    }
    process.off('exit', restore);
  };
  if (fullScreen) {
    process.on('exit', restore);
    stdout.write(ENTER);
    if (stdin.isTTY) stdin.setRawMode(true);
  }
  let first = true;
  return {
    fullScreen,
    draw(text) {
      if (fullScreen) {
        if (!active) return;
        // Erase each line before writing it (with autowrap off, an erase after a full-width line would
        // take its last character), then everything below the last line.
        const lines = text.split('\n');
        const below = lines.length < (stdout.rows ?? Infinity) ? '\r\n\x1b[J' : '';
        stdout.write('\x1b[H' + lines.map((l) => '\x1b[2K' + l).join('\r\n') + below);
        return;
      }
      stdout.write((first ? '' : '\n') + text + '\n');
      first = false;
    },
    restore,
  };
}
