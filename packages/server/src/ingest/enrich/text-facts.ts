/**
 * Facts derived from a message's text at ingest, stored as columns so persona response patterns and
 * topics are queryable when the text itself is dropped (the default). Cheap single passes: this runs
 * for every event with text on the ingest path.
 */
import { topicOf } from './topics.js';

export interface TextFacts {
  /** Length in Unicode code points (what a reader counts as characters, emoji = 1). */
  text_length: number;
  /** Question marks, a run (`??`) counting once. */
  questions: number;
  /** Pictographic emoji plus Discord custom emoji (`<:name:id>`, `<a:name:id>`). */
  emojis: number;
  /** Discord mentions (`<@id>`, `<@!id>`, `<@&role>`) and `@name` handles; not e-mail addresses. */
  mentions: number;
  topic: string | null;
}

const QUESTION = /\?+/g;
const EMOJI = /\p{Extended_Pictographic}/gu;
const CUSTOM_EMOJI = /<a?:\w+:\d+>/g;
const DISCORD_MENTION = /<@[!&]?\d+>/g;
const HANDLE = /(?<![\w.])@[A-Za-z_][\w.-]*/g;

const count = (text: string, re: RegExp): number => {
  let n = 0;
  for (const _ of text.matchAll(re)) n++;
  return n;
};

export function textFacts(text: string): TextFacts {
  let length = 0;
  for (const _ of text) length++;
  return {
    text_length: length,
    questions: count(text, QUESTION),
    emojis: count(text, EMOJI) + count(text, CUSTOM_EMOJI),
    mentions: count(text, DISCORD_MENTION) + count(text, HANDLE),
    topic: topicOf(text),
  };
}
