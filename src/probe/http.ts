/**
 * The probe's HTTP(S) check: a HEAD request, as a loader fetching a kernel or a kickstart would start it, or a
 * GET of a config (an iPXE script), following redirects as loaders do. For https it trusts NODE_EXTRA_CA_CERTS's certificates itself:
 * bin/pxeprov keeps Node from loading them at start-up (see there), and a lab's own CA must still work.
 */
import {readFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {rootCertificates} from 'node:tls';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** A config a loader reads (an iPXE script) is small: a larger answer is not one. */
const MAX_BODY = 1 << 20;

/** The final status code of HEAD url; rejects on a connection, TLS or timeout failure. */
export async function httpHead(url: string, timeoutMs = 5000): Promise<number> {
  return (await follow(url, 'HEAD', timeoutMs)).status;
}

/** The final status and body of GET url (a config file: at most 1 MB); rejects as httpHead does. */
export async function httpGet(url: string, timeoutMs = 5000): Promise<{status: number; body: Buffer}> {
  return follow(url, 'GET', timeoutMs);
}

async function follow(url: string, method: 'HEAD' | 'GET', timeoutMs: number) {
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const {status, location, body} = await request(target, method, timeoutMs);
    if (!REDIRECTS.has(status) || !location) return {status, body};
    if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    target = new URL(location, target);
  }
}

function request(
  target: URL,
  method: 'HEAD' | 'GET',
  timeoutMs: number,
): Promise<{status: number; location?: string; body: Buffer}> {
  return new Promise((resolve, reject) => {
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    const tls = target.protocol === 'https:';
    const ca = tls && extra ? [...rootCertificates, readFileSync(extra, 'utf8')] : undefined;
    const req = (tls ? https : http).request(target, {method, ca, timeout: timeoutMs}, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new Error(`more than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks)}),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
