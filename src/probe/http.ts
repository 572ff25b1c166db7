/**
 * The probe's HTTP(S) check: a HEAD request, as a loader fetching a kernel or a kickstart would start it,
 * following redirects as loaders do. For https it trusts NODE_EXTRA_CA_CERTS's certificates itself:
 * bin/pxeprov keeps Node from loading them at start-up (see there), and a lab's own CA must still work.
 */
import {readFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {rootCertificates} from 'node:tls';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** The final status code of HEAD url; rejects on a connection, TLS or timeout failure. */
export async function httpHead(url: string, timeoutMs = 5000): Promise<number> {
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const {status, location} = await head(target, timeoutMs);
    if (!REDIRECTS.has(status) || !location) return status;
    if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    target = new URL(location, target);
  }
}

function head(target: URL, timeoutMs: number): Promise<{status: number; location?: string}> {
  return new Promise((resolve, reject) => {
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    const tls = target.protocol === 'https:';
    const ca = tls && extra ? [...rootCertificates, readFileSync(extra, 'utf8')] : undefined;
    const req = (tls ? https : http).request(target, {method: 'HEAD', ca, timeout: timeoutMs}, (res) => {
      res.resume();
      resolve({status: res.statusCode ?? 0, location: res.headers.location});
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
