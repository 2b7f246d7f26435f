/**
 * Chat traffic (seed 001): a user's message to a persona and the LLM call behind the bot's reply,
 * plus the API's prompt-ops calls (seed 004).
 *
 * Latency: time to first token is log-normal around the model's median (σ 0.35) plus prefill time
 * per input token; generation is output tokens at log-normal throughput (σ 0.15). The message's
 * response time is the sum of its phases — context_building (log-normal 120 ms, +RAG lookups on a
 * fifth), llm_inference (the LLM call's duration), response_processing (80 ms), tts_generation on
 * voiced replies (~300–700 ms), discord_send (90 ms) — each rounded to whole ms, so the phases add
 * up to duration_ms exactly.
 */
import type { EventInput } from '@pulse/protocol';
import { PHRASES_BY_TONE } from './phrases.js';
import { VOICE_CHANNEL } from './catalog-ops.js';
import { conversation, sessionOf } from './world.js';
import type { Conversation, World } from './world.js';
import { outcome, type Failure } from './outcome.js';


/** The failure of an LLM call (index into the world's error kinds), shared by the call and its message; null when it succeeded. */
function llmFailure(world: World, model: number, error: number): Failure | null {
  if (error < 0) return null;
  const kind = world.pick.llmError.items[error]!;
  return [kind.type, world.pick.llmErrorMessage[model]![error]!, kind.severity];
}
/** Share of LLM calls that fail (seed 001's ~2% error rate). */
export const LLM_FAILURE_RATE = 0.018;
/** Share of messages whose text is sent (for sentiment); the rest carry only metadata. */
export const TEXT_RATE = 0.7;
/** Share of API calls that arrive already priced by the client (a client-supplied cost wins). */
export const CLIENT_PRICED_RATE = 0.05;
/** Share of chat messages that continue a recent conversation rather than start one. */
export const CONTINUE_RATE = 0.85;

const scratch: Conversation = { user: 0, persona: 0, guild: 0, channel: 0 };

interface Call {
  input: number;
  output: number;
  ttft: number;
  duration: number;
  error: number;
}

/** One LLM call's figures; `error` is an index into LLM_ERRORS or -1. */
function llmCall(world: World, model: number, inputMedian: number, outputMedian: number): Call {
  const r = world.rng;
  const m = world.models[model]!;
  const input = Math.max(16, Math.round(r.logNormal(inputMedian, 0.45)));
  if (r.chance(LLM_FAILURE_RATE)) {
    const kind = world.pick.llmError.index(r);
    const type = world.pick.llmError.items[kind]!.type;
    const duration = type === 'API Timeout' ? 30_000 : type === 'Rate Limit' ? r.logNormal(120, 0.4) : type === 'Memory Error' ? r.logNormal(40, 0.5) : r.logNormal(900, 0.8);
    return { input, output: 0, ttft: -1, duration: Math.max(1, Math.round(duration)), error: kind };
  }
  const output = Math.min(4096, Math.max(1, Math.round(r.logNormal(outputMedian, 0.55))));
  const ttft = Math.max(20, Math.round(r.logNormal(m.ttftMs, 0.35) + input * m.prefillMsPerToken));
  const gen = (output / (m.tokensPerSec * r.logNormal(1, 0.15))) * 1000;
  return { input, output, ttft, duration: ttft + Math.max(1, Math.round(gen)), error: -1 };
}

function withCallFields(e: EventInput, world: World, model: number, c: Call): EventInput {
  const m = world.models[model]!;
  e.model = m.model;
  e.provider = m.provider;
  e.input_tokens = c.input;
  e.output_tokens = c.output;
  e.duration_ms = c.duration;
  if (c.error < 0) e.ttft_ms = c.ttft;
  return outcome(e, llmFailure(world, model, c.error));
}

/** Share of texts that get a persona tail (topics, questions, emoji, mentions for the text facts). */
export const TAIL_RATE = 0.5;
/** Sentiment-neutral tails in each persona's voice, so personas differ in topics and response patterns. */
const PERSONA_TAILS: Readonly<Record<string, readonly string[]>> = {
  // Every tail scores 0 in the sentiment lexicon (emoji included: 🎮 and 🍕 score +2, so they are not used).
  scav: ['game night later? 🤖', 'anyone on steam tonight?', 'pizza after this raid 🔥', '@toad you in for the quest?', 'loot check <@1001>'],
  dagoth_ur: ['what is the meaning of existence?', 'the heartfire calls, mortal 🔥', 'vvardenfell remembers', 'divine will, mortal?', 'morrowind endures 🔥'],
  toad: ['sushi or tacos?', 'movie tonight? 🔥', '@scav snack run?', 'that film tonight 🤖', 'dinner first, then the movie'],
  hal9000: ['the computer is listening.', 'my software is running at full capacity 🤖', 'what is your server load, Dave?', '<@1002> the code compiles.', 'shall we discuss the program?'],
}

/** A user's message and the bot's reply; the reply's LLM call is left in `world.pending`. */
export function chatMessage(world: World, ts: number): EventInput {
  const r = world.rng;
  const conv = conversation(world, CONTINUE_RATE, scratch);
  const u = conv.user;
  const user = world.users[u]!;
  const p = conv.persona;
  const persona = world.personas[p]!;
  const guild = world.guilds[conv.guild]!;
  const channel = world.channels[conv.channel]!;
  const session = sessionOf(world, u, ts);
  const model = world.pick.modelByPersona[p]!.draw(r);
  const history = r.chance(0.2) ? 900 : 350; // a fifth of replies pull RAG context
  const call = llmCall(world, model, persona.systemPromptTokens + history, persona.replyTokens);

  const contextBuilding = Math.max(1, Math.round(r.logNormal(history > 350 ? 320 : 120, 0.5)));
  const processing = Math.max(1, Math.round(r.logNormal(call.error < 0 ? 80 : 15, 0.5)));
  const send = Math.max(1, Math.round(r.logNormal(90, 0.6)));
  const replyChars = call.output * 4;
  const voiced = call.error < 0 && r.chance(channel === VOICE_CHANNEL ? 0.85 : persona.ttsRate);
  const phases: Record<string, number> = voiced
    ? { context_building: contextBuilding, llm_inference: call.duration, response_processing: processing, tts_generation: Math.max(1, Math.round(r.logNormal(250 + replyChars * 1.5, 0.35))), discord_send: send }
    : { context_building: contextBuilding, llm_inference: call.duration, response_processing: processing, discord_send: send };
  let total = 0;
  for (const k in phases) total += phases[k]!;

  const msg: EventInput = {
    ts, type: 'message', service: 'bot', environment: 'prod', user_id: user.id, session_id: session,
    persona: persona.name, channel, guild, duration_ms: total, phases,
    attributes: { reply_chars: replyChars, voiced },
  };
  outcome(msg, llmFailure(world, model, call.error));
  if (r.chance(TEXT_RATE)) {
    const t = persona.tone;
    const x = r.float();
    const tone = x < t[0] ? 0 : x < t[0] + t[1] ? 1 : 2;
    msg.text = r.pick(PHRASES_BY_TONE[tone]!);
    const tails = PERSONA_TAILS[persona.name];
    if (tails !== undefined && r.chance(TAIL_RATE)) msg.text += ` ${r.pick(tails)}`;
  }

  world.pendingUser = u;
  world.pending = withCallFields({
    ts, type: 'llm', name: 'chat', service: 'bot', environment: 'prod', user_id: user.id, session_id: session,
    persona: persona.name, channel, guild, prompt_id: world.pick.personaPromptId[p]!,
  }, world, model, call);
  return msg;
}

/** A prompt-ops call through the API (seed 004): a tenant runs a prompt template on a model. */
export function apiCompletion(world: World, ts: number): EventInput {
  const r = world.rng;
  const prompt = world.prompts[world.pick.prompt.draw(r)]!;
  const model = world.pick.apiModel.draw(r);
  const call = llmCall(world, model, prompt.inputTokens, prompt.outputTokens);
  const e = withCallFields({
    ts, type: 'llm', name: 'completion', service: 'api', environment: 'prod',
    user_id: world.users[world.pick.user.draw(r)]!.id, prompt_id: prompt.id,
    attributes: { tenant: r.pick(world.pick.tenant) },
  }, world, model, call);
  if (call.error < 0 && r.chance(CLIENT_PRICED_RATE)) {
    const m = world.models[model]!;
    e.cost_usd = Math.round(((call.input * m.inputPerMTok + call.output * m.outputPerMTok) / 1e6) * 1e8) / 1e8;
  }
  return e;
}
