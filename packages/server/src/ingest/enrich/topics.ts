/**
 * The built-in topic lexicon: keyword → topic. A message's topic is the first lexicon word found in
 * its text (left to right), so "the movie night food" is `movies`. Words are matched whole and
 * case-insensitively, after stripping a plural `s`. A bot that knows better sends `attributes.topic`,
 * which always wins (docs/ingest.md "Text facts").
 */
const LEXICON: Record<string, readonly string[]> = {
  gaming: ['game', 'gaming', 'gamer', 'play', 'playing', 'steam', 'xbox', 'playstation', 'nintendo', 'minecraft', 'fortnite', 'speedrun', 'raid', 'boss', 'quest', 'loot'],
  movies: ['movie', 'film', 'cinema', 'netflix', 'trailer', 'sequel', 'actor', 'director'],
  music: ['music', 'song', 'album', 'band', 'concert', 'playlist', 'guitar', 'spotify', 'lyric'],
  food: ['food', 'pizza', 'burger', 'cook', 'cooking', 'recipe', 'dinner', 'lunch', 'breakfast', 'snack', 'eat', 'eating', 'taco', 'sushi'],
  philosophy: ['philosophy', 'meaning', 'existence', 'truth', 'soul', 'ethic', 'moral', 'consciousness'],
  divinity: ['god', 'divine', 'divinity', 'deity', 'worship', 'prophet', 'heartfire'],
  morrowind: ['morrowind', 'vvardenfell', 'nerevarine', 'dunmer', 'tribunal', 'elder', 'scroll'],
  technology: ['ai', 'computer', 'code', 'coding', 'program', 'programming', 'software', 'robot', 'server', 'linux', 'python'],
  humor: ['joke', 'lol', 'lmao', 'funny', 'meme', 'haha', 'prank'],
  sports: ['football', 'soccer', 'basketball', 'baseball', 'tennis', 'match', 'team', 'score'],
  weather: ['weather', 'rain', 'snow', 'sunny', 'storm'],
};

const TOPIC_OF = new Map<string, string>();
for (const [topic, words] of Object.entries(LEXICON)) for (const w of words) TOPIC_OF.set(w, topic);

export const TOPICS: readonly string[] = Object.keys(LEXICON);

const WORD = /\p{L}[\p{L}\p{N}']*/gu;

/** The first lexicon topic in `text`, or null. */
export function topicOf(text: string): string | null {
  for (const match of text.toLowerCase().matchAll(WORD)) {
    const word = match[0];
    const hit = TOPIC_OF.get(word) ?? (word.length > 3 && word.endsWith('s') ? TOPIC_OF.get(word.slice(0, -1)) : undefined);
    if (hit !== undefined) return hit;
  }
  return null;
}
