/**
 * Short chat lines users send to the personas, by tone. Positive lines carry lexicon words that score
 * above zero, negative ones below, neutral ones none (phrases.test.ts checks this with the same
 * `sentiment` library the server uses), so the server's sentiment enrichment has signal to find.
 */
export const POSITIVE: readonly string[] = [
  'haha this is awesome',
  'love this bot so much',
  'that was a great answer, thanks!',
  'you are hilarious lol',
  'best reply all day',
  'wow that is amazing',
  'thanks, super helpful',
  'perfect, exactly what I needed',
  'nice one, made me laugh',
  'this is brilliant, do it again',
  'good morning everyone, happy friday',
  'cool story, tell me more',
  'I appreciate the help',
  'that was fun, well played',
  'glad you are back online',
  'impressive, how did you know that',
  'you win this round, nice',
  'beautiful, pure poetry',
  'fantastic raid last night',
  'yes! that worked, thank you',
];

export const NEGATIVE: readonly string[] = [
  'this is wrong again',
  'that answer is terrible',
  'ugh, the bot is broken',
  'why so slow today, annoying',
  'I hate when it does that',
  'worst take I have ever seen',
  'stop spamming the channel',
  'that is just stupid',
  'boring, say something else',
  'you forgot what I said, useless',
  'this is awful, try again',
  'nope, bad advice',
  'lost my loot again, so angry',
  'sad that the server crashed',
  'that joke was dumb',
  'error again, frustrating',
  'I am disappointed in you',
  'rude reply, not cool',
  'the voice sounds horrible today',
  'ridiculous, that never happened',
];

export const NEUTRAL: readonly string[] = [
  'what time is it in Vvardenfell',
  'who is online right now',
  'tell me about the Tribunal',
  'which ammo goes in the AK',
  'can you summarize the last hour',
  'what are we playing tonight',
  'open the pod bay doors',
  'how many moons does Jupiter have',
  'explain the lore of Red Mountain',
  'where is the extraction point on Customs',
  'ribbit',
  'what did you eat today',
  'name a movie for tonight',
  'how do I use the /remind command',
  'what did I ask you yesterday',
  'which map is the biggest',
  'read the patch notes',
  'is the server restarting soon',
  'translate this to French',
  'roll a d20',
];

/** Indexed by tone: 0 positive, 1 neutral, 2 negative. */
export const PHRASES_BY_TONE: readonly (readonly string[])[] = [POSITIVE, NEUTRAL, NEGATIVE];
