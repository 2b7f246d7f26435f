/**
 * The WebSocket frames, straight from the server's definition (type-only: nothing of the server is
 * bundled). A change there that breaks the dashboard fails `npm run build`.
 */
export type {
  EventsFrame, HelloFrame, MetricsData, MetricsUpdate, PersonaLive, SystemOverview, TailEvent,
} from '../../../server/src/live/messages';
