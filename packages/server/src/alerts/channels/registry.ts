/** The one place channel types are registered: the YAML `type:` of a `channels:` entry names one of these. */
import type { ChannelDefinition } from '../types.js';
import { alertmanagerChannel } from './alertmanager.js';
import { alertmanagerWebhookChannel } from './alertmanager-webhook.js';
import { discordChannel } from './discord.js';
import { emailChannel } from './email.js';
import { pagerdutyChannel } from './pagerduty.js';
import { slackChannel } from './slack.js';
import { jsonWebhookChannel } from './webhook-json.js';

/** `create` is a method, so a definition of any config type is one of these; its schema checks the config. */
type AnyDefinition = ChannelDefinition<unknown>;

export const CHANNEL_DEFINITIONS: readonly AnyDefinition[] = [
  slackChannel,
  discordChannel,
  emailChannel,
  pagerdutyChannel,
  jsonWebhookChannel,
  alertmanagerWebhookChannel,
  alertmanagerChannel,
];

export const CHANNEL_TYPES: readonly string[] = CHANNEL_DEFINITIONS.map((d) => d.type);

export function channelDefinition(type: string): AnyDefinition | undefined {
  return CHANNEL_DEFINITIONS.find((d) => d.type === type);
}
