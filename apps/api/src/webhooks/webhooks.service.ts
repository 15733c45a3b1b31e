import { Injectable } from '@nestjs/common';
import {
  type Advertiser,
  AlertsService,
  assertPublicTarget,
  Env,
  generateWebhookSecret,
  NotFoundError,
  type Page,
  parseWebhookUrl,
  toPage,
  ValidationFailedError,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
  WebhooksRepository,
  WebhookUrlError,
} from '@kuaiche/domain';
import { pageArgs, type PageQueryDto } from '../common/pagination';
import type { CreatedWebhookEndpointResponse, CreateWebhookEndpointDto, DeliveriesQueryDto, DeliveryResponse, WebhookEndpointResponse } from './dto/webhook.dto';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toEndpoint(e: WebhookEndpoint): WebhookEndpointResponse {
  return { id: e.id, url: e.url, eventTypes: e.eventTypes, status: e.status, disabledReason: e.disabledReason, createdAt: e.createdAt.toISOString() };
}

function toDelivery(d: WebhookDelivery, attempts: WebhookAttempt[]): DeliveryResponse {
  return {
    id: d.id, endpointId: d.endpointId, eventId: d.eventId, eventType: d.eventType, alertId: d.alertId, redeliveryOf: d.redeliveryOf, status: d.status,
    attemptCount: d.attempts, nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null, lastStatusCode: d.lastStatusCode, lastError: d.lastError,
    createdAt: d.createdAt.toISOString(), finishedAt: iso(d.finishedAt),
    attempts: attempts.map((a) => ({ attempt: a.attempt, startedAt: new Date(a.startedAt).toISOString(), statusCode: a.statusCode, latencyMs: a.latencyMs, error: a.error })),
  };
}

@Injectable()
export class WebhooksService {
  constructor(
    private readonly env: Env,
    private readonly webhooks: WebhooksRepository,
    private readonly alerts: AlertsService,
  ) {}

  /** Vets the URL (form, then where its host resolves: the SSRF guard) and stores the endpoint with a fresh secret. */
  async create(a: Advertiser, body: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointResponse> {
    let url: URL;
    try {
      url = parseWebhookUrl(body.url);
      await assertPublicTarget(url, this.env.WEBHOOK_ALLOW_PRIVATE);
    } catch (err) {
      if (err instanceof WebhookUrlError) throw new ValidationFailedError([{ path: 'url', message: `url ${err.message}` }]);
      throw err;
    }
    const secret = generateWebhookSecret();
    const e = await this.webhooks.createEndpoint(a.id, { url: body.url, eventTypes: body.eventTypes, secret });
    return { ...toEndpoint(e), secret };
  }

  async list(a: Advertiser, q: PageQueryDto): Promise<Page<WebhookEndpointResponse>> {
    const { limit, afterId } = pageArgs(q);
    return toPage(await this.webhooks.listEndpoints(a.id, { afterId, limit }), limit, toEndpoint);
  }

  async get(a: Advertiser, id: string): Promise<WebhookEndpointResponse> {
    const e = await this.webhooks.findEndpoint(a.id, id);
    if (!e) throw new NotFoundError('webhook endpoint');
    return toEndpoint(e);
  }

  async remove(a: Advertiser, id: string): Promise<void> {
    if (!(await this.webhooks.deleteEndpoint(a.id, id))) throw new NotFoundError('webhook endpoint');
  }

  async test(a: Advertiser, id: string): Promise<DeliveryResponse> {
    const deliveryId = await this.alerts.sendTest(a.id, id, new Date());
    return this.delivery(a, deliveryId);
  }

  async deliveries(a: Advertiser, endpointId: string, q: DeliveriesQueryDto): Promise<Page<DeliveryResponse>> {
    const { limit, afterId } = pageArgs(q);
    if (!(await this.webhooks.findEndpoint(a.id, endpointId))) throw new NotFoundError('webhook endpoint');
    const rows = await this.webhooks.listDeliveries(a.id, endpointId, { status: q.status, afterId, limit });
    return toPage(rows, limit, (r) => toDelivery(r, r.attemptLog));
  }

  async delivery(a: Advertiser, id: string): Promise<DeliveryResponse> {
    const d = await this.webhooks.findDelivery(a.id, id);
    if (!d) throw new NotFoundError('delivery');
    const attempts = await this.webhooks.attemptsOf(a.id, [id]);
    return toDelivery(d, attempts.get(id) ?? []);
  }

  async redeliver(a: Advertiser, id: string): Promise<DeliveryResponse> {
    const newId = await this.alerts.redeliver(a.id, id);
    return this.delivery(a, newId);
  }
}
