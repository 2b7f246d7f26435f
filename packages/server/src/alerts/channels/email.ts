/**
 * E-mail over SMTP with nodemailer: a plain-text part and an HTML part. SMTP's own classes decide the outcome:
 * 4xx replies and lost connections are retryable, 5xx replies and bad credentials are not.
 */
import nodemailer from 'nodemailer';
import { z } from 'zod';
import type { AlertJson, ChannelDefinition, Notification, SendResult } from '../types.js';
import { alertLine, alertLink, currentValue, isResolved, notificationTitle, thresholdValue, typeTitle } from './format.js';

export const emailConfig = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** Implicit TLS (port 465); otherwise STARTTLS is used when the server offers it. Default: port === 465. */
  secure: z.boolean().optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  from: z.string().min(3).optional(),
  to: z.array(z.email()).min(1),
  /** Accept a self-signed server certificate (a private relay). */
  tls_reject_unauthorized: z.boolean().default(true),
}).strict();
export type EmailConfig = z.infer<typeof emailConfig>;

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface EmailMessage { subject: string; text: string; html: string }

export function emailMessage(n: Notification): EmailMessage {
  const subject = `${notificationTitle(n)} (Pulse)`;
  const text = [
    `${n.status === 'resolved' ? 'Resolved' : 'Firing'}: ${n.alerts.length} alert(s)`,
    '',
    ...n.alerts.flatMap((a) => [
      alertLine(a),
      `  Type: ${typeTitle(a.alert_type)}   Severity: ${a.severity}   Project: ${a.project}`,
      `  Current: ${currentValue(a)}   Threshold: ${thresholdValue(a)}`,
      `  Since: ${a.starts_at}${isResolved(a) ? `   Resolved: ${a.ends_at ?? a.timestamp}` : ''}`,
      `  ${alertLink(n, a)}`,
      '',
    ]),
  ].join('\n');
  const row = (a: AlertJson): string =>
    `<tr><td>${escapeHtml(isResolved(a) ? 'resolved' : a.severity)}</td><td>${escapeHtml(typeTitle(a.alert_type))}</td>` +
    `<td><a href="${escapeHtml(alertLink(n, a))}">${escapeHtml(a.message)}</a></td>` +
    `<td>${escapeHtml(currentValue(a))}</td><td>${escapeHtml(thresholdValue(a))}</td><td>${escapeHtml(a.starts_at)}</td></tr>`;
  const html = `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2>${escapeHtml(notificationTitle(n))}</h2>` +
    `<table border="1" cellpadding="6" cellspacing="0" style="border-collapse:collapse">` +
    `<thead><tr><th>Severity</th><th>Type</th><th>Message</th><th>Current</th><th>Threshold</th><th>Since</th></tr></thead>` +
    `<tbody>${n.alerts.map(row).join('')}</tbody></table>` +
    `<p><a href="${escapeHtml(alertLink(n))}">Open the Alerts section</a></p></body></html>`;
  return { subject, text, html };
}

const RETRYABLE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETLS']);

export function classifySmtpError(err: unknown): SendResult {
  const e = err as { code?: string; responseCode?: number; message?: string };
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const error = `smtp${e.code ? ` ${e.code}` : ''}: ${(e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 200)}`;
  if (status !== undefined) {
    return status >= 400 && status < 500 ? { outcome: 'retryable', status, error } : { outcome: 'failure', status, error };
  }
  if (e.code && RETRYABLE_CODES.has(e.code)) return { outcome: 'retryable', error };
  if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return { outcome: 'failure', error };
  return { outcome: 'retryable', error };
}

export const emailChannel: ChannelDefinition<EmailConfig> = {
  type: 'email',
  schema: emailConfig,
  create(name, config) {
    const transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure ?? config.port === 465,
      ...(config.username ? { auth: { user: config.username, pass: config.password ?? '' } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      tls: { rejectUnauthorized: config.tls_reject_unauthorized },
    });
    const from = config.from ?? config.username ?? `pulse@${config.host}`;
    const mail = (msg: EmailMessage, signal: AbortSignal): Promise<SendResult> => {
      // nodemailer takes no AbortSignal: the attempt's deadline wins the race and the socket times out by itself.
      const aborted = new Promise<SendResult>((resolve) => {
        const done = (): void => resolve({ outcome: 'retryable', error: signal.reason?.name === 'TimeoutError' ? 'timed out' : 'aborted' });
        if (signal.aborted) done();
        else signal.addEventListener('abort', done, { once: true });
      });
      const sent = transport.sendMail({ from, to: config.to, subject: msg.subject, text: msg.text, html: msg.html })
        .then((): SendResult => ({ outcome: 'success', status: 250 }), classifySmtpError);
      return Promise.race([sent, aborted]);
    };
    return {
      name,
      type: 'email',
      send: (n, signal) => mail(emailMessage(n), signal),
      sendReport: (r, signal) => mail({ subject: r.subject, text: r.text, html: r.html }, signal),
      describe: () => `email via ${config.host}:${config.port} to ${config.to.length} recipient(s)`,
    };
  },
};
