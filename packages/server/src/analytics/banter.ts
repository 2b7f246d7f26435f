/**
 * `GET /api/analytics/banter` — seed 001's `banter_analytics`, over `interaction` events named
 * `banter`. An exchange's length is `attributes.exchange_length` (messages); it succeeded when
 * `attributes.continued` is `true` (a user or persona carried the conversation on).
 */
import { days, eq, MetaBuilder, num, only, ratio, read, round, sentimentShares, topKeys, type PresetInput } from './common.js';
import { BANTER, INTERACTION } from './vocabulary.js';

export async function banterAnalytics(input: PresetInput) {
  const meta = new MetaBuilder(input.range);
  const where = [eq('type', INTERACTION), eq('name', BANTER)];
  const [totals, lengths, continued, topics] = await Promise.all([
    read(input, { measures: ['count', 'positive_count', 'neutral_count', 'negative_count'], where }),
    read(input, { measures: ['count'], dimensions: ['attributes.exchange_length'], where }),
    read(input, { measures: ['count'], dimensions: ['attributes.continued'], where }),
    read(input, { measures: ['count'], dimensions: ['topic'], where }),
  ]);
  const t = only(totals.rows);
  let lengthSum = 0;
  let lengthN = 0;
  for (const r of lengths.rows) {
    const n = Number(r['attributes.exchange_length']);
    if (r['attributes.exchange_length'] === null || !Number.isFinite(n) || n < 0) continue;
    lengthSum += n * num(r.count);
    lengthN += num(r.count);
  }
  let yes = 0;
  let known = 0;
  for (const r of continued.rows) {
    const v = r['attributes.continued'];
    if (v !== 'true' && v !== 'false') continue;
    known += num(r.count);
    if (v === 'true') yes += num(r.count);
  }
  const shares = sentimentShares(t);
  return {
    banter_analytics: {
      daily_banter_exchanges: round(num(t.count) / days(input.range), 1),
      success_rate: meta.orNull('success_rate', round(ratio(yes, known), 3), 'no banter event carries attributes.continued'),
      avg_exchange_length: meta.orNull('avg_exchange_length', round(ratio(lengthSum, lengthN), 2), 'no banter event carries attributes.exchange_length'),
      popular_topics: topKeys(topics.rows, 'topic', 'count', 3),
      sentiment_impact: meta.orNull(
        'sentiment_impact',
        shares && { positive_exchanges: shares.positive, neutral_exchanges: shares.neutral, negative_exchanges: shares.negative },
        'no banter event carries a sentiment (or text to derive one)',
      ),
    },
    meta: { ...meta.build(), exchanges: num(t.count) },
  };
}
