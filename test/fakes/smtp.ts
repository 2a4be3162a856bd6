import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail the fake SMTP server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/**
 * A real SMTP server in-process (smtp-server) on 127.0.0.1, with optional AUTH (PLAIN/LOGIN over
 * the plain connection, which tests allow) and an optional per-recipient rejection (550).
 */
export class FakeSmtp {
  readonly mails: ReceivedMail[] = [];
  port = 0;
  /** Recipients answered with 550 (permanent). */
  readonly reject550 = new Set<string>();
  /** Recipients answered with 451 (temporary). */
  readonly reject451 = new Set<string>();
  private readonly server: SMTPServer;

  constructor(readonly auth?: { user: string; pass: string }) {
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !auth,
      allowInsecureAuth: true,
      logger: false,
      onAuth: (a, _session, cb) => {
        if (auth && a.username === auth.user && a.password === auth.pass) cb(null, { user: a.username });
        else cb(new Error('Invalid username or password'));
      },
      onRcptTo: (addr, _session, cb) => {
        if (this.reject550.has(addr.address)) {
          const e = new Error('mailbox unavailable') as Error & { responseCode: number };
          e.responseCode = 550;
          return cb(e);
        }
        if (this.reject451.has(addr.address)) {
          const e = new Error('try again later') as Error & { responseCode: number };
          e.responseCode = 451;
          return cb(e);
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          this.mails.push({
            from,
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
  }

  /** Starts listening on a random loopback port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops the server. */
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
