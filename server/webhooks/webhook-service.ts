/**
 * Webhook endpoints as the API shows them: registering one (its URL, event types and Standard Webhooks secret
 * checked), the list with each endpoint's delivery counts (never its secret), and an endpoint's deliveries with
 * their last attempt.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../db/database.js';
import type { Text } from '../problem-text.js';
import { Problem } from '../problems.js';
import {
  deliveriesOf,
  deliveryCounts,
  type EndpointRow,
  endpointById,
  insertEndpoint,
  listEndpoints,
} from '../repositories/webhook-repository.js';
import { EVENT_TYPES } from './outbox.js';

export interface EndpointInput {
  url: string;
  events: string[];
  secret: string;
  description?: string;
  enabled?: boolean;
}

export interface EndpointView {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  description: string | null;
  createdAt: string;
  deliveries: { pending: number; delivered: number; failed: number };
  /** Failed attempts in a row: above 0 the endpoint is paused, its deliveries waiting until `retryAt`. */
  failures: number;
  /** When a paused endpoint is next tried (one delivery, a probe); null while it delivers. */
  retryAt: string | null;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  type: string;
  status: string;
  attempts: number;
  nextAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  data: unknown;
}

const bad = (detail: Text): Problem => new Problem(400, 'invalid-webhook', 'Invalid webhook', detail);

export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly options: { clock?: () => number; newId?: () => string } = {},
  ) {}

  private view(row: EndpointRow, counts: Map<string, number>): EndpointView {
    const n = (status: string) => counts.get(`${row.id}:${status}`) ?? 0;
    return {
      id: row.id,
      url: row.url,
      events: row.events as string[],
      enabled: row.enabled,
      description: row.description,
      createdAt: row.created_at.toISOString(),
      deliveries: { pending: n('pending'), delivered: n('delivered'), failed: n('failed') },
      failures: row.failures,
      retryAt: row.failures > 0 && row.retry_at ? row.retry_at.toISOString() : null,
    };
  }

  private async counts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const c of await deliveryCounts(this.db)) {
      const key = `${c.endpoint_id}:${c.status}`;
      counts.set(key, (counts.get(key) ?? 0) + Number(c.n));
    }
    return counts;
  }

  async register(input: EndpointInput, actor: string): Promise<EndpointView> {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw bad({
        zh: `网址“${input.url}”不是完整网址：请写成如 https://example.gov.cn/reflow-events`,
        en: `url '${input.url}' is not an absolute URL: write e.g. https://example.gov.cn/reflow-events`,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw bad({
        zh: `网址“${input.url}”不是 http 或 https：事件以 HTTP POST 推送`,
        en: `url '${input.url}' is not http or https: webhooks are HTTP POSTs`,
      });
    const unknown = input.events.filter((e) => !(EVENT_TYPES as readonly string[]).includes(e));
    if (unknown.length > 0)
      throw bad({
        zh: `未知的事件类型 ${unknown.map((e) => `“${e}”`).join('、')}：可选 ${EVENT_TYPES.join('、')}`,
        en: `unknown event type ${unknown.map((e) => `'${e}'`).join(', ')}: choose from ${EVENT_TYPES.join(', ')}`,
      });
    try {
      if (!input.secret.startsWith('whsec_')) throw new Error('no whsec_ prefix');
      new Webhook(input.secret);
    } catch {
      throw bad({
        zh: '密钥须为“whsec_”加 base64 编码的密钥（Standard Webhooks），如 whsec_ 后接 24–64 个随机字节的 base64',
        en: 'secret must be "whsec_" followed by a base64 key (Standard Webhooks), e.g. whsec_ plus the base64 of 24–64 random bytes',
      });
    }
    if (Buffer.from(input.secret.slice('whsec_'.length), 'base64').length < 16)
      throw bad({
        zh: '密钥短于 16 个字节：请用 24–64 个随机字节，base64 编码后写在 whsec_ 之后',
        en: 'secret key is shorter than 16 bytes: use 24–64 random bytes, base64 after whsec_',
      });
    const row = {
      id: (this.options.newId ?? randomUUID)(),
      url: url.toString(),
      events: [...new Set(input.events)],
      secret: input.secret,
      enabled: input.enabled ?? true,
      description: input.description ?? null,
      created_at: new Date((this.options.clock ?? Date.now)()),
      created_by: actor,
    };
    await insertEndpoint(this.db, row);
    return this.view({ ...row, enabled: row.enabled, failures: 0, retry_at: null, held: false }, new Map());
  }

  async list(): Promise<EndpointView[]> {
    const counts = await this.counts();
    return (await listEndpoints(this.db)).map((row) => this.view(row, counts));
  }

  async deliveries(endpointId: string, filter: { status?: string; limit: number }): Promise<DeliveryView[]> {
    if (!(await endpointById(this.db, endpointId)))
      throw new Problem(404, 'not-found', 'Not Found', {
        zh: `事件推送“${endpointId}”不存在（GET /api/webhooks 可列出全部）`,
        en: `webhook '${endpointId}' does not exist: GET /api/webhooks lists them`,
      });
    return (await deliveriesOf(this.db, endpointId, filter)).map((d) => ({
      id: d.id,
      eventId: d.event_id,
      type: d.type,
      status: d.status,
      attempts: d.attempts,
      nextAt: d.status === 'pending' ? d.next_at.toISOString() : null,
      lastAttemptAt: d.last_attempt_at?.toISOString() ?? null,
      lastStatus: d.last_status,
      lastError: d.last_error,
      deliveredAt: d.delivered_at?.toISOString() ?? null,
      createdAt: d.created_at.toISOString(),
      data: d.data,
    }));
  }
}
