/**
 * Real local receivers for the delivery tests, on loopback ports the OS picks: an SMTP server
 * (smtp-server) that keeps every mail, and an HTTP server that plays the 企业微信 and 钉钉 robot
 * webhooks — it checks each payload's shape and 钉钉's signature the way the real services do and
 * answers with their { errcode, errmsg }.
 */
import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  from: string;
  to: string[];
  raw: string;
}

export async function startSmtp(): Promise<{ url: string; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RobotCall {
  robot: 'wecom' | 'dingtalk';
  key: string;
  body: { msgtype: string; markdown: { content?: string; title?: string; text?: string } };
  ok: boolean;
}

/** WeCom: POST /cgi-bin/webhook/send?key=K · DingTalk: POST /robot/send?access_token=T&timestamp=&sign=. */
export async function startRobots(
  dingtalkSecrets: Record<string, string>,
): Promise<{ base: string; calls: RobotCall[]; close(): Promise<void> }> {
  const calls: RobotCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const answer = (errcode: number, errmsg: string) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errcode, errmsg }));
      };
      let body: RobotCall['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(40016, 'invalid json');
      }
      if (req.method !== 'POST' || req.headers['content-type']?.split(';')[0] !== 'application/json')
        return answer(40017, 'method or content type');
      if (url.pathname === '/cgi-bin/webhook/send') {
        const key = url.searchParams.get('key') ?? '';
        const ok =
          body.msgtype === 'markdown' &&
          typeof body.markdown?.content === 'string' &&
          Buffer.byteLength(body.markdown.content) <= 4096;
        calls.push({ robot: 'wecom', key, body, ok });
        return ok ? answer(0, 'ok') : answer(40008, 'invalid message type');
      }
      if (url.pathname === '/robot/send') {
        const key = url.searchParams.get('access_token') ?? '';
        const secret = dingtalkSecrets[key];
        const timestamp = url.searchParams.get('timestamp') ?? '';
        const expected = secret ? createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64') : '';
        const signed =
          !!secret && url.searchParams.get('sign') === expected && Math.abs(Date.now() - Number(timestamp)) < 3_600_000;
        const shaped =
          body.msgtype === 'markdown' &&
          typeof body.markdown?.title === 'string' &&
          typeof body.markdown?.text === 'string';
        calls.push({ robot: 'dingtalk', key, body, ok: signed && shaped });
        if (!signed) return answer(310000, 'sign not match');
        return shaped ? answer(0, 'ok') : answer(40035, 'missing parameter');
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface MimePart {
  headers: Record<string, string>;
  /** The decoded body (base64 and quoted-printable undone; text as UTF-8). */
  body: Buffer;
}

/**
 * The leaf parts of a received mail (test helper, enough for what nodemailer writes: multipart
 * with a boundary, base64 or quoted-printable bodies, folded headers).
 */
export function mimeParts(raw: string): MimePart[] {
  const split = (s: string) => {
    const i = s.indexOf('\r\n\r\n');
    const head = (i < 0 ? s : s.slice(0, i)).replace(/\r\n[ \t]+/g, ' ');
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n')) {
      const m = /^([^:]+):\s*(.*)$/.exec(line);
      if (m) headers[m[1].toLowerCase()] = m[2];
    }
    return { headers, rest: i < 0 ? '' : s.slice(i + 4) };
  };
  const walk = (s: string): MimePart[] => {
    const { headers, rest } = split(s);
    const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1];
    if (boundary) {
      return rest
        .split(`--${boundary}`)
        .slice(1)
        .filter((p) => !p.startsWith('--'))
        .flatMap((p) => walk(p.replace(/^\r\n/, '')));
    }
    const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase();
    const body =
      enc === 'base64'
        ? Buffer.from(rest.replace(/\s+/g, ''), 'base64')
        : enc === 'quoted-printable'
          ? Buffer.from(
              rest
                .replace(/=\r\n/g, '')
                .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
              'latin1',
            )
          : Buffer.from(rest, 'utf8');
    return [{ headers, body }];
  };
  return walk(raw);
}

/** The mail's text/plain body. */
export const mailText = (raw: string): string =>
  mimeParts(raw)
    .find((p) => (p.headers['content-type'] ?? 'text/plain').startsWith('text/plain'))
    ?.body.toString('utf8') ?? '';
