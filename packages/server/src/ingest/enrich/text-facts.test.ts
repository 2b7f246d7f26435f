import { describe, expect, it } from 'vitest';
import { textFacts } from './text-facts.js';
import { topicOf } from './topics.js';

describe('text facts', () => {
  it('counts code points, question runs, emoji and mentions', () => {
    expect(textFacts('Want to play a game tonight? 🎮')).toEqual({ text_length: 30, questions: 1, emojis: 1, mentions: 0, topic: 'gaming' });
    // "??" is one question; <@123>, <@!45>, <@&9> and @toad are mentions; a@b.com is not; <:pog:123> is an emoji.
    expect(textFacts('hey <@123> <@!45> <@&9> @toad mail a@b.com <:pog:123> 🍿🎬 ok?? really?')).toEqual({
      text_length: 69, questions: 2, emojis: 3, mentions: 4, topic: null,
    });
    expect(textFacts('')).toEqual({ text_length: 0, questions: 0, emojis: 0, mentions: 0, topic: null });
  });

  it('takes the first topic word, whole words only, plural s stripped', () => {
    expect(topicOf('The movies tonight, then pizza')).toBe('movies');
    expect(topicOf('Pizza before the movie')).toBe('food');
    expect(topicOf('gamesmanship is not a game')).toBe('gaming'); // "gamesmanship" is not "game"
    expect(topicOf('nothing to see')).toBeNull();
  });
});
