/**
 * cost_usd from tokens: the price effective at the event's time, config overrides before the shipped
 * table (rules in pricing-table.ts). On the ingest hot path, so each (model, provider) pair is
 * resolved once into the few periods in which its price is constant, and events only pick a period.
 */
import type { PriceOverride } from '../../config/types.js';
import { PRICE_TABLE } from './pricing-table.js';

export interface PriceMatch {
  input_per_mtok: number;
  output_per_mtok: number;
  /** YYYY-MM-DD, or null for an override without a date. */
  effective_from: string | null;
  pattern: string;
  provider: string | null;
  origin: 'config' | 'table';
  source: string;
}

export interface Pricing {
  /** USD for the tokens, or null when no price is known for the model. */
  costUsd(model: string, tsMs: number, inputTokens: number, outputTokens: number, provider?: string | null): number | null;
  lookup(model: string, tsMs: number, provider?: string | null): PriceMatch | null;
}

interface Dated {
  fromMs: number;
  price: PriceMatch;
}

/** Rows sharing a pattern and provider: one model's prices over time, oldest first. */
interface Series {
  regex: RegExp;
  provider: string | null;
  origin: 'config' | 'table';
  prices: Dated[];
}

/** A resolved (model, provider): `prices[i]` applies from `starts[i]` until the next start. */
interface Periods {
  starts: number[];
  prices: (PriceMatch | null)[];
}

const MAX_CACHED = 10_000;

function dateMs(date: string, what: string): number {
  const ms = Date.parse(date);
  if (Number.isNaN(ms)) throw new Error(`pricing: effective_from ${JSON.stringify(date)} of ${what} is not a date`);
  return ms;
}

function buildSeries(overrides: readonly PriceOverride[]): Series[] {
  const series = new Map<string, Series>();
  const add = (origin: Series['origin'], source: string, provider: string | null, dated: Dated): void => {
    const key = `${origin}\u0000${provider ?? ''}\u0000${source}`;
    let s = series.get(key);
    if (s === undefined) {
      let regex: RegExp;
      try {
        regex = new RegExp(source, 'i');
      } catch {
        throw new Error(`pricing: pattern ${JSON.stringify(source)} is not a valid regular expression`);
      }
      s = { regex, provider, origin, prices: [] };
      series.set(key, s);
    }
    s.prices.push(dated);
  };
  for (const o of overrides) {
    const provider = o.provider === undefined || o.provider === '' ? null : o.provider.toLowerCase();
    const fromMs = o.effective_from === undefined ? -Infinity : dateMs(o.effective_from, `override ${o.pattern}`);
    add('config', o.pattern, provider, {
      fromMs,
      price: {
        input_per_mtok: o.input_per_mtok, output_per_mtok: o.output_per_mtok, effective_from: o.effective_from ?? null,
        pattern: o.pattern, provider, origin: 'config', source: 'configuration override',
      },
    });
  }
  for (const row of PRICE_TABLE) {
    const provider = row.provider?.toLowerCase() ?? null;
    add('table', row.pattern.source, provider, {
      fromMs: dateMs(row.effective_from, row.pattern.source),
      price: {
        input_per_mtok: row.input_per_mtok, output_per_mtok: row.output_per_mtok, effective_from: row.effective_from,
        pattern: row.pattern.source, provider, origin: 'table', source: row.source,
      },
    });
  }
  const all = [...series.values()];
  for (const s of all) s.prices.sort((a, b) => a.fromMs - b.fromMs);
  return all;
}

/** The price of a series at `ts`; before its first date an override does not apply, a shipped series does. */
function priceAt(s: Series, ts: number): PriceMatch | null {
  let found: PriceMatch | null = null;
  for (const d of s.prices) {
    if (d.fromMs > ts) break;
    found = d.price;
  }
  if (found === null && s.origin === 'table') return s.prices[0]?.price ?? null;
  return found;
}

export function createPricing(overrides: readonly PriceOverride[]): Pricing {
  const allSeries = buildSeries(overrides);
  const cache = new Map<string, Periods>();

  /** Matching series, most specific first: config before table, provider-restricted, longest match, earlier. */
  function candidates(model: string, provider: string | null): Series[] {
    const ranked: { s: Series; len: number; pos: number }[] = [];
    allSeries.forEach((s, pos) => {
      if (s.provider !== null && s.provider !== provider) return;
      const m = s.regex.exec(model);
      if (m !== null) ranked.push({ s, len: m[0].length, pos });
    });
    ranked.sort((a, b) =>
      (a.s.origin === b.s.origin ? 0 : a.s.origin === 'config' ? -1 : 1)
      || (a.s.provider === b.s.provider ? 0 : a.s.provider !== null ? -1 : 1)
      || b.len - a.len
      || a.pos - b.pos);
    return ranked.map((r) => r.s);
  }

  function resolve(model: string, provider: string | null): Periods {
    const series = candidates(model, provider);
    const starts = [...new Set([-Infinity, ...series.flatMap((s) => s.prices.map((p) => p.fromMs))])]
      .sort((a, b) => a - b);
    const prices = starts.map((start) => {
      for (const s of series) {
        const price = priceAt(s, start);
        if (price !== null) return price;
      }
      return null;
    });
    return { starts, prices };
  }

  function lookup(model: string, tsMs: number, provider?: string | null): PriceMatch | null {
    const p = provider === undefined || provider === null ? null : provider.toLowerCase();
    const key = `${p ?? ''}\u0000${model}`;
    let periods = cache.get(key);
    if (periods === undefined) {
      // Model names come from clients: bound the cache rather than trust their variety.
      if (cache.size >= MAX_CACHED) cache.clear();
      periods = resolve(model, p);
      cache.set(key, periods);
    }
    const { starts, prices } = periods;
    let i = starts.length - 1;
    while (i > 0 && (starts[i] ?? -Infinity) > tsMs) i--;
    return prices[i] ?? null;
  }

  return {
    lookup,
    costUsd(model, tsMs, inputTokens, outputTokens, provider) {
      const price = lookup(model, tsMs, provider);
      if (price === null) return null;
      return (inputTokens * price.input_per_mtok + outputTokens * price.output_per_mtok) / 1_000_000;
    },
  };
}
