import { Session } from 'node:inspector/promises';
import { HttpError } from '../http/errors.js';

export interface ProfileStatus {
  state: 'idle' | 'running' | 'done';
  started_at: string | null;
  ends_at: string | null;
  duration_seconds: number | null;
}

/** The Chrome DevTools `.cpuprofile` format: what Profiler.stop returns. */
export type CpuProfile = { nodes: unknown[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] };

export const MAX_PROFILE_SECONDS = 600;

/**
 * One CPU profile at a time through node:inspector (V8's sampling profiler, in this process): `start(seconds)`
 * begins it, it stops by itself after that long, and `result()` returns the last finished profile — a
 * `.cpuprofile` Chrome DevTools (Performance → Load profile) and VS Code open.
 */
export class CpuProfiler {
  private session: Session | null = null;
  private timer: NodeJS.Timeout | null = null;
  private status: ProfileStatus = { state: 'idle', started_at: null, ends_at: null, duration_seconds: null };
  private last: { profile: CpuProfile; status: ProfileStatus } | null = null;

  constructor(private readonly now: () => number) {}

  async start(seconds: number): Promise<ProfileStatus> {
    if (this.session) throw new HttpError(409, 'conflict', `a profile is already running until ${this.status.ends_at}`);
    const session = new Session();
    session.connect();
    this.session = session;
    try {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 1000 });
      await session.post('Profiler.start');
    } catch (err) {
      this.session = null;
      session.disconnect();
      throw err;
    }
    const started = this.now();
    this.status = { state: 'running', started_at: new Date(started).toISOString(), ends_at: new Date(started + seconds * 1000).toISOString(), duration_seconds: seconds };
    this.timer = setTimeout(() => void this.stop(), seconds * 1000);
    this.timer.unref();
    return { ...this.status };
  }

  /** Ends the running profile now and keeps it as the result. */
  async stop(): Promise<void> {
    const session = this.session;
    if (!session) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      this.last = { profile, status: { ...this.status, state: 'done', ends_at: new Date(this.now()).toISOString() } };
    } finally {
      session.disconnect();
      this.session = null;
      this.status = { state: 'idle', started_at: null, ends_at: null, duration_seconds: null };
    }
  }

  current(): ProfileStatus {
    return this.session ? { ...this.status } : this.last ? { ...this.last.status } : { ...this.status };
  }

  result(): { profile: CpuProfile; status: ProfileStatus } | null {
    return this.last;
  }
}
