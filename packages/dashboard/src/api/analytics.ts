/**
 * The shapes of the conversation, persona and user analytics endpoints (docs/api.md "Conversation,
 * persona and user analytics"), as far as the dashboard reads them.
 */
export interface AnalyticsMeta {
  nulls: Record<string, string>;
  truncated: string[];
}

export interface PersonaAnalytics {
  basic_stats: { total_messages: number; daily_messages: number | null; avg_response_length: number | null; avg_response_time: number | null };
  engagement: { user_interactions: number; repeat_users: number; relationship_growth: number | null; banter_participation: number | null };
  content_analysis: {
    top_topics: string[];
    sentiment_distribution: { positive: number; neutral: number; negative: number } | null;
    response_patterns: { questions_asked: number; emojis_used: number; mentions_others: number } | null;
  };
  evolution: { current_level: number | null; total_xp: number | null; milestones_completed: number; unlocked_traits: string[] };
}
export interface PersonasAnswer {
  persona_analytics: Record<string, PersonaAnalytics>;
  meta: AnalyticsMeta;
}

export interface RelationshipCell {
  affinity: number | null;
  stage: string | null;
  interactions: number;
}
export interface RelationshipsAnswer {
  persona_relationships: {
    relationship_matrix: Record<string, Record<string, RelationshipCell>>;
    analytics: { total_interactions: number; avg_affinity: number | null; relationship_trends: string | null; most_active_pair: [string, string] | null };
  };
  meta: AnalyticsMeta;
}

export interface BanterAnswer {
  banter_analytics: {
    daily_banter_exchanges: number | null;
    success_rate: number | null;
    avg_exchange_length: number | null;
    popular_topics: string[];
    sentiment_impact: { positive_exchanges: number; neutral_exchanges: number; negative_exchanges: number } | null;
  };
  meta: AnalyticsMeta & { exchanges: number };
}

export interface CohortRow {
  cohort: string;
  size: number;
  retention: number[];
}
export interface TopUser {
  user_id: string;
  events: number;
  sessions: number;
  cost_usd: number | null;
  last_seen: string | null;
}
export interface UsersAnswer {
  users: {
    active: { daily: Array<{ date: string; users: number }>; dau_avg: number | null; wau: number; mau: number };
    new_vs_returning: { active: number; new: number; returning: number };
    cohorts: { weeks: number; rows: CohortRow[] };
    session_length_distribution: Array<{ bucket: string; sessions: number }>;
    top_users: TopUser[];
  };
  meta: AnalyticsMeta;
}

export interface UserDetailAnswer {
  user: {
    user_id: string;
    plan: string | null;
    first_seen: string;
    last_seen: string;
    events: number;
    sessions: number;
    cost_usd: number | null;
    revenue_usd: number | null;
    margin_usd: number | null;
    llm_calls: number;
    personas: Array<{ persona: string; messages: number; affinity: number | null }>;
    top_topics: string[];
    daily: Array<{ date: string; events: number }>;
  };
  meta: AnalyticsMeta;
}

export interface MarginFigures {
  cost_usd: number;
  revenue_usd: number;
  margin_usd: number;
  conversations: number;
  cost_per_conversation: number | null;
}
export interface MarginAnswer {
  margin: {
    totals: MarginFigures;
    by_plan: Array<MarginFigures & { plan: string; users: number }>;
    by_persona: Array<MarginFigures & { persona: string }>;
    by_user: Array<MarginFigures & { user_id: string; plan: string }>;
  };
  meta: AnalyticsMeta;
}
