/**
 * `GET /api/analytics/banter` — seed 001's `banter_analytics`, over `interaction` events named
 * `banter`. An exchange's length is `attributes.exchange_length` (messages); it succeeded when
 * `attributes.continued` is `true` (a user or persona carried the conversation on).
 */
import { days, eq, MetaBuilder, num, only, ratio, read, round, sentimentShares, topKeys, type RolledInput } from './common.js';
import { banterStatement, type BanterCounts } from './duckdb/interactions.js';
import { statementsFor } from './duckdb/sql.js';
import { BANTER, INTERACTION } from './vocabulary.js';

const where = [eq('type', INTERACTION), eq('name', BANTER)];

export async function banterAnalytics(input: RolledInput) {
  const meta = new MetaBuilder(input.range);
  const [totals, counts] = await Promise.all([
    read(input, { measures: ['count', 'positive_count', 'neutral_count', 'negative_count'], where }),
    statementsFor(input) ? banterStatement(input) : banterReads(input),
  ]);
  const t = only(totals.rows);
  let lengthSum = 0;
  let lengthN = 0;
  for (const r of counts.lengths) {
    const n = Number(r['attributes.exchange_length']);
    if (r['attributes.exchange_length'] === null || !Number.isFinite(n) || n < 0) continue;
    lengthSum += n * num(r.count);
    lengthN += num(r.count);
  }
  let yes = 0;
  let known = 0;
  for (const r of counts.continued) {
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
      popular_topics: topKeys(counts.topics, 'topic', 'count', 3),
      sentiment_impact: meta.orNull(
        'sentiment_impact',
        shares && { positive_exchanges: shares.positive, neutral_exchanges: shares.neutral, negative_exchanges: shares.negative },
        'no banter event carries a sentiment (or text to derive one)',
      ),
    },
    meta: { ...meta.build(), exchanges: num(t.count) },
  };
}

/** The same counts from three query-layer reads (any store, any filter). */
async function banterReads(input: RolledInput): Promise<BanterCounts> {
  const [lengths, continued, topics] = await Promise.all([
    read(input, { measures: ['count'], dimensions: ['attributes.exchange_length'], where }),
    read(input, { measures: ['count'], dimensions: ['attributes.continued'], where }),
    read(input, { measures: ['count'], dimensions: ['topic'], where }),
  ]);
  return { lengths: lengths.rows, continued: continued.rows, topics: topics.rows };
}
