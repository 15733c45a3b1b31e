/**
 * The demo's webhook receiver: a small HTTP server on 127.0.0.1 that checks every delivery's
 * Standard Webhooks signature with the endpoint's secret (the `standardwebhooks` package, as a
 * seller's system would) and keeps the events it could verify.
 */
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export class WebhookReceiver {
  readonly verified: ReceivedEvent[] = [];
  rejected = 0;
  private server: Server | undefined;
  private secret: string | undefined;

  /** Listens on a free port; returns the URL to register. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          if (!this.secret) throw new Error('no secret yet');
          const payload = new Webhook(this.secret).verify(body, req.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
          // Deliveries are at least once: the webhook-id says whether this one was seen.
          const id = String(req.headers['webhook-id']);
          if (!this.verified.some((e) => e.id === id)) this.verified.push({ id, type: payload.type, data: payload.data });
          res.writeHead(204).end();
        } catch {
          this.rejected += 1;
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/kuaiche`;
  }

  /** The `whsec_` secret the API returned when the endpoint was registered. */
  useSecret(secret: string): void {
    this.secret = secret;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
