import { Injectable } from '@nestjs/common';
import { type Advertiser, type Alert, alertJson, AlertsRepository, AlertsService, isoInZone, NotFoundError, type Page, requireWholeHour, toPage } from '@kuaiche/domain';
import { pageArgs } from '../common/pagination';
import type { AlertResponse, AlertsQueryDto, EvaluateAlertsResponse } from './dto/alert.dto';

const toResponse = (a: Alert, tz: string) => alertJson(a, tz) as unknown as AlertResponse;

@Injectable()
export class AlertsApiService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly rules: AlertsService,
  ) {}

  async list(a: Advertiser, q: AlertsQueryDto): Promise<Page<AlertResponse>> {
    const { limit, afterId } = pageArgs(q);
    const from = q.from === undefined ? undefined : requireWholeHour(q.from, 'from');
    const to = q.to === undefined ? undefined : requireWholeHour(q.to, 'to');
    const rows = await this.alerts.list(a.id, { planId: q.planId?.toLowerCase(), type: q.type, severity: q.severity, from, to, afterId, limit });
    return toPage(rows, limit, (r) => toResponse(r, a.timezone));
  }

  async get(a: Advertiser, id: string): Promise<AlertResponse> {
    const r = await this.alerts.find(a.id, id);
    if (!r) throw new NotFoundError('alert');
    return toResponse(r, a.timezone);
  }

  async evaluate(a: Advertiser, planId: string, asOfRaw: string): Promise<EvaluateAlertsResponse> {
    const asOf = requireWholeHour(asOfRaw, 'asOf');
    // evaluatePlan answers 404 for a plan that is not the caller's.
    const raised = await this.rules.evaluatePlan(a, planId, asOf);
    return { asOf: isoInZone(asOf, a.timezone), raised: raised.map((r) => toResponse(r, a.timezone)) };
  }
}
