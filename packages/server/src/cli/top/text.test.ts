import { describe, expect, it } from 'vitest';
import { charWidth, cut, width } from './text.js';

describe('terminal widths', () => {
  // Emoji shown as emoji by default (Unicode Emoji_Presentation) take two columns in terminals (wcwidth, tmux,
  // xterm), also outside the 1F300–1F64F block: 🚀 is in Transport and Map, ⚡ ✅ ⭐ in the BMP.
  it.each(['🚀', '🛑', '⚡', '✅', '⭐', '⌛', '🟢', '🀄', '🐱', '🤖', '猫', 'Ｗ'])('%s is two columns', (ch) => {
    expect(charWidth(ch)).toBe(2);
  });

  it.each(['a', '-', '#', '©', '♥', '→', 'é', 'ж'])('%s is one column', (ch) => {
    expect(charWidth(ch)).toBe(1);
  });

  it('a model name with an emoji is padded and cut by its displayed width', () => {
    expect(width('🚀rocket-model')).toBe(14);
    expect(width('⚡fast')).toBe(6);
    expect(cut('🚀🚀🚀🚀', 6)).toBe('🚀🚀… '); // eight columns cut to six: a third would not fit beside the …
  });
});
