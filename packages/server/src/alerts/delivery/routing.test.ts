/** Routing as a pure function: notify entries, routes in order with `continue`, matchers, and the env defaults. */
import { describe, expect, it } from 'vitest';
import { fixtureAlert, fixtureNotification } from '../channels/test-support/notification.js';
import { parseRoutes } from './channel-config.js';
import { routeMatches, safeNotifyEntry, targetEntries, urlChannelName } from './routing.js';

const routes = parseRoutes([
  { severity: ['critical', 'high'], labels: { service: 'api' }, channels: ['oncall'], continue: true },
  { rule: 'High latency', channels: ['perf-team'] },
  { severity: 'warning', channels: ['warnings'] },
  { channels: ['catch-all'] },
], () => true);

describe('targetEntries', () => {
  it('critical api alert: the first route continues, the rule route stops', () => {
    expect(targetEntries(fixtureNotification(), routes, ['env-default'])).toEqual(['oncall', 'perf-team']);
  });

  it('warning reads as medium; the rule matcher takes the id too', () => {
    const medium = fixtureNotification({ alerts: [fixtureAlert({ severity: 'medium', rule: 'r-other', rule_name: 'Other' })] });
    expect(targetEntries(medium, routes, ['env-default'])).toEqual(['warnings']);
    const byId = parseRoutes([{ rule: ['rule-latency'], channels: ['x'] }], () => true);
    expect(targetEntries(fixtureNotification(), byId, [])).toEqual(['x']);
  });

  it('notify entries come first, duplicates once; nothing at all → the env defaults', () => {
    const n = fixtureNotification({ notify: ['perf-team', 'ops@example.com'] });
    expect(targetEntries(n, routes, ['env-default'])).toEqual(['perf-team', 'ops@example.com', 'oncall']);
    const low = fixtureNotification({ commonLabels: {}, alerts: [fixtureAlert({ severity: 'low', rule: 'r', rule_name: 'R' })] });
    expect(targetEntries(low, routes.slice(0, 3), ['env-default'])).toEqual(['env-default']);
    expect(targetEntries(low, [], [])).toEqual([]);
  });

  it('a label matcher needs the label common to the whole group', () => {
    const [route] = parseRoutes([{ labels: { model: 'gpt-4o' }, channels: ['x'] }], () => true);
    expect(routeMatches(route!, fixtureNotification())).toBe(false); // model differs between the two alerts
    expect(routeMatches(route!, fixtureNotification({ commonLabels: { service: 'api', model: 'gpt-4o' } }))).toBe(true);
    const [bySeverity] = parseRoutes([{ labels: { severity: 'critical', project: 'default' }, channels: ['x'] }], () => true);
    expect(routeMatches(bySeverity!, fixtureNotification())).toBe(true);
  });
});

it('a notify URL channel is named by type, host and hash, never by its path', () => {
  const name = urlChannelName('slack', 'https://hooks.slack.com/services/T/B/very-secret');
  expect(name).toMatch(/^slack:hooks\.slack\.com#[0-9a-f]{8}$/);
  expect(name).toBe(urlChannelName('slack', 'https://hooks.slack.com/services/T/B/very-secret'));
  expect(name).not.toBe(urlChannelName('slack', 'https://hooks.slack.com/services/T/B/other'));
});

it('a notify entry is shown without its secret: a URL by its channel name, a malformed URL masked, others as they are', () => {
  const url = 'https://hooks.slack.com/services/T/B/very-secret';
  expect(safeNotifyEntry(url)).toBe(urlChannelName('slack', url));
  expect(safeNotifyEntry(' https://bad host/very-secret')).toBe('(invalid URL)');
  expect(safeNotifyEntry('HTTP://[::1/very-secret')).toBe('(invalid URL)');
  expect(safeNotifyEntry('team-slack')).toBe('team-slack');
  expect(safeNotifyEntry('lead@example.com')).toBe('lead@example.com');
});
