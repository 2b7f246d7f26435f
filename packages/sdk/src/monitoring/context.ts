import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventInput } from '@pulse/protocol';

/** Who and where an event is about; merged into every event tracked inside `withContext`. */
export interface TrackContext {
  userId?: string;
  sessionId?: string;
  persona?: string;
  channel?: string;
  guild?: string;
  promptId?: string;
}

export const contextStorage = new AsyncLocalStorage<TrackContext>();

/** The context fields as event fields, for those the event does not set itself. */
export function applyContext(event: EventInput, explicit?: TrackContext): EventInput {
  const ctx = explicit ? { ...contextStorage.getStore(), ...explicit } : contextStorage.getStore();
  if (!ctx) return event;
  event.user_id ??= ctx.userId;
  event.session_id ??= ctx.sessionId;
  event.persona ??= ctx.persona;
  event.channel ??= ctx.channel;
  event.guild ??= ctx.guild;
  event.prompt_id ??= ctx.promptId;
  return event;
}
