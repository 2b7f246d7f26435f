/* Runnable example quoted in docs/sdk.md (between the region markers); run by examples.test.ts. */
import type { Monitoring } from '@pulse/sdk';

/** The slice of the `openai` package's client this example uses (the real class fits it). */
export interface OpenAI {
  chat: {
    completions: {
      create(params: {
        model: string;
        messages: { role: 'user' | 'system'; content: string }[];
        stream: true;
        stream_options?: { include_usage: boolean };
      }): Promise<AsyncIterable<{ choices: { delta?: { content?: string | null } }[] }>>;
    };
  };
}
/** The slice of the `@anthropic-ai/sdk` client this example uses. */
export interface Anthropic {
  messages: {
    create(params: { model: string; max_tokens: number; messages: { role: 'user'; content: string }[] }): Promise<{
      content: { type: string; text?: string }[];
    }>;
  };
}

// #region docs
export async function streamReply(monitoring: Monitoring, openai: OpenAI, userId: string, text: string): Promise<string> {
  const llm = monitoring.wrapOpenAI(openai, { persona: 'scav' });
  return monitoring.withContext({ userId, channel: 'general' }, async () => {
    const stream = await llm.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: text }],
      stream: true,
      stream_options: { include_usage: true }, // token counts arrive in the last chunk
    });
    let reply = '';
    for await (const chunk of stream) reply += chunk.choices[0]?.delta?.content ?? '';
    return reply; // one `llm` event: model, tokens, duration, ttft, finish reason, persona, user
  });
}

export async function summarise(monitoring: Monitoring, anthropic: Anthropic, text: string): Promise<string> {
  const claude = monitoring.wrapAnthropic(anthropic, { name: 'summary' });
  const message = await claude.messages.create({
    model: 'claude-3-5-haiku-latest',
    max_tokens: 200,
    messages: [{ role: 'user', content: `Summarise: ${text}` }],
  });
  return message.content.map((block) => block.text ?? '').join('');
}
// #endregion docs
