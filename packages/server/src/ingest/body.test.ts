import { describe, expect, it } from 'vitest';
import { parseEvents } from './body.js';

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('parseEvents', () => {
  it('ignores a UTF-8 byte order mark before JSON and NDJSON (RFC 8259 §8.1), as some Windows clients send one', () => {
    expect(parseEvents(buf('\uFEFF{"events": [{"type": "llm"}]}'), 'application/json')).toEqual([{ type: 'llm' }]);
    expect(parseEvents(buf('\uFEFF[{"type": "llm"}]'), undefined)).toEqual([{ type: 'llm' }]);
    expect(parseEvents(buf('\uFEFF{"type": "a"}\n{"type": "b"}\n'), 'application/x-ndjson')).toEqual([{ type: 'a' }, { type: 'b' }]);
  });

  it('reads JSON text sequences (application/json-seq, RFC 7464): each record after a record separator', () => {
    const seq = '\u001e{"type": "a"}\n\u001e{"type": "b"}\n';
    expect(parseEvents(buf(seq), 'application/json-seq')).toEqual([{ type: 'a' }, { type: 'b' }]);
    expect(() => parseEvents(buf('\u001e{"type": "a"}\n\u001e{oops\n'), 'application/json-seq')).toThrow(/record 2 is not valid JSON/);
    expect(() => parseEvents(buf('{"type": "a"}\n\n{oops\n'), 'application/x-ndjson')).toThrow(/line 3 is not valid JSON/);
  });
});
