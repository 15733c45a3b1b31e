import { Injectable } from '@nestjs/common';
import { type Advertiser, type Alert, alertJson, AlertsRepository, AlertsService, isoInZone, NotFoundError, type Page, PlansRepository, toPage, ValidationFailedError } from '@kuaiche/domain';
import { pageArgs } from '../common/pagination';
import type { AlertResponse, AlertsQueryDto, EvaluateAlertsResponse } from './dto/alert.dto';

const HOUR_MS = 3_600_000;

function hourOf(value: string, path: string): Date {
  const t = Date.parse(value);
  if (Number.isNaN(t) || t % HOUR_MS !== 0) throw new ValidationFailedError([{ path, message: `${path} must be a valid instant at a whole hour` }]);
  return new Date(t);
}

const toResponse = (a: Alert, tz: string) => alertJson(a, tz) as unknown as AlertResponse;

@Injectable()
export class AlertsApiService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly rules: AlertsService,
    private readonly plans: PlansRepository,
  ) {}

  async list(a: Advertiser, q: AlertsQueryDto): Promise<Page<AlertResponse>> {
    const { limit, afterId } = pageArgs(q);
    const from = q.from === undefined ? undefined : hourOf(q.from, 'from');
    const to = q.to === undefined ? undefined : hourOf(q.to, 'to');
    const rows = await this.alerts.list(a.id, { planId: q.planId?.toLowerCase(), type: q.type, severity: q.severity, from, to, afterId, limit });
    return toPage(rows, limit, (r) => toResponse(r, a.timezone));
  }

  async get(a: Advertiser, id: string): Promise<AlertResponse> {
    const r = await this.alerts.find(a.id, id);
    if (!r) throw new NotFoundError('alert');
    return toResponse(r, a.timezone);
  }

  async evaluate(a: Advertiser, planId: string, asOfRaw: string): Promise<EvaluateAlertsResponse> {
    const asOf = hourOf(asOfRaw, 'asOf');
    if (!(await this.plans.findById(a.id, planId))) throw new NotFoundError('plan');
    const raised = await this.rules.evaluatePlan(a, planId, asOf);
    return { asOf: isoInZone(asOf, a.timezone), raised: raised.map((r) => toResponse(r, a.timezone)) };
  }
}
