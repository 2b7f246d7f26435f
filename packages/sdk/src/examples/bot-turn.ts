/* Runnable example quoted in docs/sdk.md (between the region markers); run by examples.test.ts. */
const buildContext = async (text: string): Promise<string> => `history…\n${text}`;
const infer = async (context: string): Promise<string> => ` You said: ${context.split('\n').pop() ?? ''} `;
const speak = async (reply: string): Promise<Buffer> => Buffer.from(reply);

// #region docs
import { Monitoring, createLogger } from '@pulse/sdk';

const log = createLogger({ service: 'bot', environment: process.env.NODE_ENV, level: process.env.LOG_LEVEL });

export async function handleMessage(monitoring: Monitoring, msg: { userId: string; channel: string; text: string }) {
  monitoring.trackMessage({ userId: msg.userId, persona: 'scav', channel: msg.channel, text: msg.text, direction: 'in' });

  const t = monitoring.phases(); // seed 001's response-time breakdown
  t.start('context_building');
  const context = await buildContext(msg.text);
  t.start('llm_inference');
  const answer = await infer(context);
  t.start('response_processing');
  const reply = answer.trim();
  const audio = await t.measure('tts_generation', () => speak(reply));
  t.end();
  t.send({ persona: 'scav', user_id: msg.userId, channel: msg.channel });

  monitoring.trackInteraction({ persona: 'scav', target: msg.userId, kind: 'reply' });
  log.info({ userId: msg.userId, bytes: audio.length, apiKey: 'sk-live-example' }, 'replied'); // apiKey → [REDACTED]
  return reply;
}

export function onThumbsUp(monitoring: Monitoring, userId: string) {
  monitoring.trackFeedback({ userId, persona: 'scav', score: 1, kind: 'thumbs' });
}
// #endregion docs
