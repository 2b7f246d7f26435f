import { classifyNotifyEntry } from '../delivery/routing.js';

/**
 * A rule's `notify` entry is an e-mail address, a webhook URL or the name of a configured channel (CONTRACT §8); the
 * classification is delivery's own, so the engine and delivery never disagree. Returns the problem, or null.
 */
export function notifyProblem(entry: string, channels: readonly string[]): string | null {
  const target = classifyNotifyEntry(entry);
  if (target.kind !== 'channel' || channels.includes(target.name)) return null;
  return `"${entry}" is not an e-mail address, a webhook URL or a configured channel (${channels.join(', ') || 'none configured'})`;
}
