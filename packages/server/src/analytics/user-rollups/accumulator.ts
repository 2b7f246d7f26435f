/**
 * The user rollups' rows of committed batches, aggregated in memory as they commit (the hourly rollups do the same:
 * rollups/accumulator.ts): a user_session_day row per (project, UTC day, user, session, persona, type) and a
 * persona_evolution_day row per (project, day, persona, name, trait) of `evolution` events, as the slice SQL of
 * maintain.ts would make them from the same events. user_day rows and first-seen times are derived from the
 * user_session_day rows when the accumulator is drained. Each row is a delta: the rows of other drains, and of
 * slices rolled up from the table, merge with it by key (tables.ts's `merge`).
 *
 * Rows are held column by column (DayColumns): numbers in Float64Arrays, NaN for null, rather than in an object per
 * row, whose double fields V8 would box into a new heap number at every update — and written from the columns as
 * they are (append-rows.ts).
 */
import type { PluckedColumns } from '../../store/duckdb/event-columns.js';
import type { SeqAccumulator } from '../../store/duckdb/held-accumulators.js';
import { EVOLUTION, PAYMENT, USER } from '../vocabulary.js';
import { PERSONA_EVOLUTION_DAY, USER_DAY, USER_SESSION_DAY, type DayTable } from './tables.js';

const DAY = 86_400_000;

type Doubles = Float64Array<ArrayBuffer>;
type Strings = Array<string | null>;

/**
 * Rows of a day table, column by column: project, day (UTC midnight, epoch ms), the key columns, then the value
 * columns in tables.ts order — a Float64Array per numeric column (NaN: null), an array per VARCHAR one.
 */
export class DayColumns {
  size = 0;
  readonly project: string[] = [];
  day: Doubles;
  readonly keys: Strings[];
  values: Array<Doubles | Strings>;

  constructor(readonly table: DayTable, capacity = 256) {
    this.day = new Float64Array(capacity);
    this.keys = table.keys.map(() => []);
    this.values = table.columns.map((c) => (c.type === 'varchar' ? [] : new Float64Array(capacity)));
  }

  /** Room for `more` rows without growing (so a batch's loop can hold on to the columns). */
  reserve(more: number): void {
    const need = this.size + more;
    if (need <= this.day.length) return;
    const capacity = Math.max(need, this.day.length * 2);
    const grown = (a: Doubles): Doubles => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.day = grown(this.day);
    this.values = this.values.map((v) => (v instanceof Float64Array ? grown(v) : v));
  }

  /** A new row (room reserved) with its key; numeric values NaN, strings null. Returns its index. */
  add(project: string, day: number, ...key: Strings): number {
    const i = this.size++;
    this.project.push(project);
    this.day[i] = day;
    for (let k = 0; k < this.keys.length; k++) this.keys[k]!.push(key[k] ?? null);
    for (const v of this.values) {
      if (v instanceof Float64Array) v[i] = NaN;
      else v.push(null);
    }
    return i;
  }
}

/** A user's first event and latest plan among some events (user_first_seen's columns). */
export interface FirstSeenRow {
  project: string;
  user: string;
  first: number;
  plan: string | null;
  planTs: number | null;
}

export interface DrainedUsers {
  fromSeq: number;
  toSeq: number;
  tables: DayColumns[];
  firstSeen: FirstSeenRow[];
}

type Trie = Map<unknown, unknown>;

/** The child of `node` under `key`, created when missing. */
function step(node: Trie, key: unknown): Trie {
  let next = node.get(key) as Trie | undefined;
  if (next === undefined) {
    next = new Map();
    node.set(key, next);
  }
  return next;
}

/** a + b where NaN is null. */
const plus = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : a + b);

/** Estimated heap bytes of one held row (its columns and its share of the trie's Maps). */
const ROW_BYTES = 240;

/** Rows handled per drain step before the event loop's turn. */
const ROWS_PER_STEP = 20_000;

// Value columns by position (tables.ts order).
const [S_N, S_N_OK, S_COST, S_VALUE_OK, S_FIRST, S_LAST, S_PLAN, S_PLAN_TS] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
const [U_N, U_COST, U_FIRST, U_LAST, U_PLAN, U_PLAN_TS] = [0, 1, 2, 3, 4, 5] as const;
const [E_N, E_SUM, E_LAST_VALUE, E_LAST_VALUE_TS, E_FIRST, E_LAST] = [0, 1, 2, 3, 4, 5] as const;

function checkLayout(t: DayTable, names: readonly string[]): void {
  if (t.columns.map((c) => c.name).join() !== names.join()) throw new Error(`${t.name}: the accumulator's columns are not the table's`);
}
checkLayout(USER_SESSION_DAY, ['n', 'n_ok', 'cost_usd', 'value_ok', 'first_ts', 'last_ts', 'plan', 'plan_ts']);
checkLayout(USER_DAY, ['n', 'cost_usd', 'first_ts', 'last_ts', 'plan', 'plan_ts']);
checkLayout(PERSONA_EVOLUTION_DAY, ['n', 'value_sum', 'value_last', 'value_last_ts', 'first_ts', 'last_ts']);

export class UserRollupAccumulator implements SeqAccumulator {
  /** project → day → user → session → persona → type → row: lookups by the event's own strings, no key to build. */
  private sessionRoot: Trie = new Map();
  private sessions = new DayColumns(USER_SESSION_DAY);
  /** project → day → persona → name → trait → row. */
  private evolutionRoot: Trie = new Map();
  private evolutions = new DayColumns(PERSONA_EVOLUTION_DAY, 16);
  private from: number;
  private to: number;

  /** `nextSeq`: the seq of the first event it will be given. */
  constructor(nextSeq: number) {
    this.from = nextSeq;
    this.to = nextSeq - 1;
  }

  get fromSeq(): number {
    return this.from;
  }

  get toSeq(): number {
    return this.to;
  }

  get size(): number {
    return this.sessions.size + this.evolutions.size;
  }

  get bytes(): number {
    return this.size * ROW_BYTES;
  }

  /** A committed batch's columns as the event store read them: `count` events numbered from `firstSeq`. */
  addColumns(c: PluckedColumns, count: number, firstSeq: number): void {
    if (firstSeq !== this.to + 1) throw new Error(`user rollup accumulator: batch starts at seq ${firstSeq}, expected ${this.to + 1}`);
    const project = c.project as string[];
    const ts = c.ts as number[];
    const type = c.type as string[];
    const user = c.user_id as Strings;
    const session = c.session_id as Strings;
    const persona = c.persona as Strings;
    const status = c.status as string[];
    const cost = c.cost_usd as Array<number | null>;
    const value = c.value as Array<number | null>;
    const attributes = c.attributes as Array<Record<string, string> | null>;
    const name = c.name as Strings;
    const rows = this.sessions;
    rows.reserve(count);
    const n = rows.values[S_N] as Doubles;
    const nOk = rows.values[S_N_OK] as Doubles;
    const costs = rows.values[S_COST] as Doubles;
    const valueOk = rows.values[S_VALUE_OK] as Doubles;
    const first = rows.values[S_FIRST] as Doubles;
    const last = rows.values[S_LAST] as Doubles;
    const plans = rows.values[S_PLAN] as Strings;
    const planTs = rows.values[S_PLAN_TS] as Doubles;
    // The trie's nodes of the previous event, reused while its project and day — and user, session and persona (a
    // message and the LLM call answering it) — are the event's too: most events skip most lookups.
    let dayNode: Trie | null = null;
    let leaf: Trie | null = null;
    let lastProject: string | null = null;
    let lastDay = NaN;
    let lastUser: string | null = null;
    let lastSession: string | null = null;
    let lastPersona: string | null = null;
    for (let i = 0; i < count; i++) {
      const t = ts[i]!;
      const day = Math.floor(t / DAY) * DAY;
      const ty = type[i]!;
      const p = project[i]!;
      const u = user[i]!;
      const se = session[i]!;
      const pe = persona[i]!;
      if (dayNode === null || p !== lastProject || day !== lastDay) {
        dayNode = step(step(this.sessionRoot, p), day);
        lastProject = p;
        lastDay = day;
        leaf = null;
      }
      if (leaf === null || u !== lastUser || se !== lastSession || pe !== lastPersona) {
        leaf = step(step(step(dayNode, u), se), pe);
        lastUser = u;
        lastSession = se;
        lastPersona = pe;
      }
      let r = leaf.get(ty) as number | undefined;
      if (r === undefined) {
        r = rows.add(p, day, u, se, pe, ty);
        leaf.set(ty, r);
        n[r] = 0;
        nOk[r] = 0;
        first[r] = t;
        last[r] = t;
      }
      n[r]!++;
      const v = value[i]!;
      if (status[i] === 'ok') {
        nOk[r]!++;
        if (v !== null) valueOk[r] = plus(valueOk[r]!, v);
      }
      const usd = cost[i]!;
      if (usd !== null) costs[r] = plus(costs[r]!, usd);
      if (t < first[r]!) first[r] = t;
      if (t > last[r]!) last[r] = t;
      if (ty === PAYMENT || ty === USER) {
        const plan = attributes[i]?.plan;
        // tables.ts PLAN_EVENT; on equal times the later event wins.
        if (plan !== undefined && !(t < planTs[r]!)) {
          plans[r] = plan;
          planTs[r] = t;
        }
      } else if (ty === EVOLUTION) this.addEvolution(p, day, t, pe, name[i]!, attributes[i]?.trait ?? null, v);
    }
    this.to = firstSeq + count - 1;
  }

  private addEvolution(project: string, day: number, t: number, persona: string | null, name: string | null, trait: string | null, value: number | null): void {
    const rows = this.evolutions;
    const leaf = step(step(step(step(this.evolutionRoot, project), day), persona), name);
    let r = leaf.get(trait) as number | undefined;
    if (r === undefined) {
      rows.reserve(1);
      r = rows.add(project, day, persona, name, trait);
      leaf.set(trait, r);
      const v = rows.values;
      (v[E_N] as Doubles)[r] = 0;
      (v[E_FIRST] as Doubles)[r] = t;
      (v[E_LAST] as Doubles)[r] = t;
    }
    const v = rows.values;
    (v[E_N] as Doubles)[r]!++;
    if (value !== null) {
      (v[E_SUM] as Doubles)[r] = plus((v[E_SUM] as Doubles)[r]!, value);
      if (!(t < (v[E_LAST_VALUE_TS] as Doubles)[r]!)) {
        (v[E_LAST_VALUE] as Doubles)[r] = value;
        (v[E_LAST_VALUE_TS] as Doubles)[r] = t;
      }
    }
    if (t < (v[E_FIRST] as Doubles)[r]!) (v[E_FIRST] as Doubles)[r] = t;
    if (t > (v[E_LAST] as Doubles)[r]!) (v[E_LAST] as Doubles)[r] = t;
  }

  /**
   * Every row held, per table, with the first-seen rows of the users among them — and an empty accumulator from here
   * on (batches committed meanwhile go to it). Deriving yields to the event loop between steps (`pause`).
   */
  async drain(pause: () => Promise<void> = async () => undefined): Promise<DrainedUsers> {
    const s = this.sessions;
    const drained: DrainedUsers = { fromSeq: this.from, toSeq: this.to, tables: [s], firstSeen: [] };
    const evolutions = this.evolutions;
    this.sessionRoot = new Map();
    this.sessions = new DayColumns(USER_SESSION_DAY);
    this.evolutionRoot = new Map();
    this.evolutions = new DayColumns(PERSONA_EVOLUTION_DAY, 16);
    this.from = this.to + 1;

    // user_day: user_session_day's rows with a user, merged per (project, day, user) as USER_DAY's `merge` does.
    const users = new DayColumns(USER_DAY, Math.max(16, s.size));
    users.reserve(s.size);
    const uRow = new Map<string, Map<number, Map<string, number>>>();
    const [sUser] = s.keys as [Strings];
    const [sn, , sCost, , sFirst, sLast, sPlan, sPlanTs] = s.values as [Doubles, Doubles, Doubles, Doubles, Doubles, Doubles, Strings, Doubles];
    const [un, uCost, uFirst, uLast, uPlan, uPlanTs] = users.values as [Doubles, Doubles, Doubles, Doubles, Strings, Doubles];
    for (let i = 0; i < s.size; i++) {
      if (i > 0 && i % ROWS_PER_STEP === 0) await pause();
      const user = sUser[i]!;
      if (user === null) continue;
      const project = s.project[i]!;
      const day = s.day[i]!;
      let byDay = uRow.get(project);
      if (byDay === undefined) uRow.set(project, (byDay = new Map()));
      let byUser = byDay.get(day);
      if (byUser === undefined) byDay.set(day, (byUser = new Map()));
      let r = byUser.get(user);
      if (r === undefined) {
        r = users.add(project, day, user);
        byUser.set(user, r);
        un[r] = 0;
        uFirst[r] = sFirst[i]!;
        uLast[r] = sLast[i]!;
      }
      un[r] = un[r]! + sn[i]!;
      uCost[r] = plus(uCost[r]!, sCost[i]!);
      if (sFirst[i]! < uFirst[r]!) uFirst[r] = sFirst[i]!;
      if (sLast[i]! > uLast[r]!) uLast[r] = sLast[i]!;
      if (sPlanTs[i]! > uPlanTs[r]! || (Number.isNaN(uPlanTs[r]!) && !Number.isNaN(sPlanTs[i]!))) {
        uPlan[r] = sPlan[i]!;
        uPlanTs[r] = sPlanTs[i]!;
      }
    }
    drained.tables.push(users, evolutions);
    await pause();
    // First-seen rows: user_day's rows merged per (project, user).
    const seen = new Map<string, Map<string, FirstSeenRow>>();
    const [uUser] = users.keys as [Strings];
    for (let r = 0; r < users.size; r++) {
      const project = users.project[r]!;
      const user = uUser[r]!;
      let byUser = seen.get(project);
      if (byUser === undefined) seen.set(project, (byUser = new Map()));
      const planTs = Number.isNaN(uPlanTs[r]!) ? null : uPlanTs[r]!;
      const f = byUser.get(user!);
      if (f === undefined) {
        const row: FirstSeenRow = { project, user: user!, first: uFirst[r]!, plan: uPlan[r]!, planTs };
        byUser.set(user!, row);
        drained.firstSeen.push(row);
        continue;
      }
      if (uFirst[r]! < f.first) f.first = uFirst[r]!;
      if (planTs !== null && (f.planTs === null || planTs > f.planTs)) {
        f.plan = uPlan[r]!;
        f.planTs = planTs;
      }
    }
    return drained;
  }
}
