import { useState } from 'preact/hooks';
import { Body, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { PersonaAnalytics, PersonasAnswer } from '../../api/analytics';
import { DASH, fmtDec, fmtInt, fmtPct } from '../../lib/format';

/**
 * One card per persona from `/api/analytics/personas` (seed 001's persona dashboard): level and XP,
 * messages, response length and time, users and repeat users, banter share, top topics. A click opens
 * the persona's drill-down below the cards: sentiment, response patterns, growth, traits, and why a
 * figure is missing.
 */
export function PersonaCards() {
  const p = usePanelData((ctx) => runPreset<PersonasAnswer>(ctx, 'api/analytics/personas'));
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <Panel id="persona-cards" title="Personas" wide data={p} source="/api/analytics/personas — per persona: messages, engagement, content, evolution (cumulative).">
      <Body data={p.data} empty={(d) => Object.keys(d.persona_analytics).length === 0}>
        {(d) => {
          const names = Object.keys(d.persona_analytics).sort((a, b) => d.persona_analytics[b]!.basic_stats.total_messages - d.persona_analytics[a]!.basic_stats.total_messages || a.localeCompare(b));
          const open = selected !== null && d.persona_analytics[selected] ? selected : null;
          return (
            <>
              <div class="persona-cards" data-testid="persona-cards">
                {names.map((name) => (
                  <Card key={name} name={name} a={d.persona_analytics[name]!} pressed={open === name} onClick={() => setSelected(open === name ? null : name)} />
                ))}
              </div>
              {open ? <PersonaDetail name={open} a={d.persona_analytics[open]!} nulls={d.meta.nulls} /> : null}
            </>
          );
        }}
      </Body>
    </Panel>
  );
}

function Card({ name, a, pressed, onClick }: { name: string; a: PersonaAnalytics; pressed: boolean; onClick: () => void }) {
  const e = a.evolution;
  return (
    <button type="button" class="persona-card" data-persona={name} aria-pressed={pressed} onClick={onClick}>
      <h3>
        <span>{name}</span>
        <span class="muted" data-field="level">{e.current_level === null ? 'no level' : `Lv ${e.current_level}`}</span>
      </h3>
      <dl>
        <dt>Messages</dt>
        <dd data-field="messages">{fmtInt(a.basic_stats.total_messages)}</dd>
        <dt>Per day</dt>
        <dd data-field="daily">{fmtDec(a.basic_stats.daily_messages)}</dd>
        <dt>Reply length</dt>
        <dd data-field="length">{a.basic_stats.avg_response_length === null ? DASH : `${fmtDec(a.basic_stats.avg_response_length)} chars`}</dd>
        <dt>Reply time</dt>
        <dd data-field="time">{a.basic_stats.avg_response_time === null ? DASH : `${a.basic_stats.avg_response_time.toFixed(2)} s`}</dd>
        <dt>Users (repeat)</dt>
        <dd data-field="users">{`${fmtInt(a.engagement.user_interactions)} (${fmtInt(a.engagement.repeat_users)})`}</dd>
        <dt>Banter share</dt>
        <dd data-field="banter">{fmtPct(a.engagement.banter_participation)}</dd>
        <dt>XP</dt>
        <dd data-field="xp">{fmtInt(e.total_xp)}</dd>
      </dl>
      <ul class="tags" aria-label="Top topics">
        {a.content_analysis.top_topics.map((t) => (
          <li key={t}>{t}</li>
        ))}
      </ul>
    </button>
  );
}

function PersonaDetail({ name, a, nulls }: { name: string; a: PersonaAnalytics; nulls: Record<string, string> }) {
  const s = a.content_analysis.sentiment_distribution;
  const r = a.content_analysis.response_patterns;
  const why = Object.entries(nulls).filter(([k]) => k.startsWith(`${name}.`));
  return (
    <div class="persona-detail" data-testid="persona-detail" data-persona={name}>
      <h3>{name}</h3>
      <dl class="detail-list">
        <dt>Sentiment +/0/−</dt>
        <dd data-field="sentiment">{s ? `${fmtPct(s.positive)} / ${fmtPct(s.neutral)} / ${fmtPct(s.negative)}` : DASH}</dd>
        <dt>Questions · emoji · mentions</dt>
        <dd data-field="patterns">{r ? `${fmtInt(r.questions_asked)} · ${fmtInt(r.emojis_used)} · ${fmtInt(r.mentions_others)}` : DASH}</dd>
        <dt>Relationship growth</dt>
        <dd data-field="growth">{a.engagement.relationship_growth === null ? DASH : `${a.engagement.relationship_growth >= 0 ? '+' : ''}${(a.engagement.relationship_growth * 100).toFixed(1)} pts`}</dd>
        <dt>Milestones</dt>
        <dd data-field="milestones">{fmtInt(a.evolution.milestones_completed)}</dd>
        <dt>Traits</dt>
        <dd data-field="traits">{a.evolution.unlocked_traits.length > 0 ? a.evolution.unlocked_traits.join(', ') : DASH}</dd>
      </dl>
      {why.length > 0 ? (
        <ul class="note" data-testid="persona-nulls">
          {why.map(([k, v]) => (
            <li key={k}>
              {k.slice(name.length + 1)}: {v}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
