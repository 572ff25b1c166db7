import {after, afterEach, before, describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createServer, type Server} from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import nock from 'nock';
import {httpGet, httpHead} from '../../src/probe/http.js';

describe('probe: HEAD over http', () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => {
    nock.enableNetConnect();
    nock.restore();
  });

  const cases: {what: string; reply: (scope: nock.Scope) => void; status: number}[] = [
    {what: 'found', reply: (s) => s.head('/ks.cfg').reply(200), status: 200},
    {what: 'missing', reply: (s) => s.head('/ks.cfg').reply(404), status: 404},
    {
      what: 'a redirect is followed',
      reply: (s) => s.head('/ks.cfg').reply(302, '', {location: '/install/ks.cfg'}).head('/install/ks.cfg').reply(200),
      status: 200,
    },
    {
      what: 'a redirect to another host',
      reply: (s) => {
        s.head('/ks.cfg').reply(301, '', {location: 'http://mirror.pxe.test/ks.cfg'});
        nock('http://mirror.pxe.test').head('/ks.cfg').reply(204);
      },
      status: 204,
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      c.reply(nock('http://pxe.test'));
      assert.equal(await httpHead('http://pxe.test/ks.cfg'), c.status);
      assert.ok(nock.isDone(), 'every expected request was made');
    });
  }

  it('a redirect loop fails', async () => {
    nock('http://pxe.test').persist().head('/ks.cfg').reply(302, '', {location: '/ks.cfg'});
    await assert.rejects(httpHead('http://pxe.test/ks.cfg'), /more than 5 redirects/);
  });

  it('a refused connection fails with its reason', async () => {
    nock('http://pxe.test').head('/ks.cfg').replyWithError('connect ECONNREFUSED 10.0.0.1:80');
    await assert.rejects(httpHead('http://pxe.test/ks.cfg'), /ECONNREFUSED/);
  });

  it('GET reads a config through a redirect; a body larger than a config fails', async () => {
    nock('http://pxe.test')
      .get('/tftp/ipxe/boot.ipxe')
      .reply(302, '', {location: '/ipxe/boot.ipxe'})
      .get('/ipxe/boot.ipxe')
      .reply(200, '#!ipxe\nexit\n');
    const {status, body} = await httpGet('http://pxe.test/tftp/ipxe/boot.ipxe');
    assert.deepEqual([status, body.toString()], [200, '#!ipxe\nexit\n']);
    nock('http://pxe.test')
      .get('/big')
      .reply(200, Buffer.alloc((1 << 20) + 1));
    await assert.rejects(httpGet('http://pxe.test/big'), /more than 1048576 bytes/);
  });
});

describe('probe: HEAD over https with a lab CA in NODE_EXTRA_CA_CERTS', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const saved = process.env.NODE_EXTRA_CA_CERTS;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pxeprov-https-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=pxe lab CA',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      {stdio: 'ignore'},
    );
    server = createServer(
      {key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem'))},
      (_req, res) => res.end(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/ks.cfg`;
  });
  after(() => {
    server.close();
    rmSync(dir, {recursive: true, force: true});
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
  });

  it('an unknown CA is refused', async () => {
    delete process.env.NODE_EXTRA_CA_CERTS;
    await assert.rejects(httpHead(url), /self-signed certificate/);
  });

  it('the CA named by NODE_EXTRA_CA_CERTS is trusted, though Node did not load it at start-up', async () => {
    process.env.NODE_EXTRA_CA_CERTS = join(dir, 'cert.pem');
    assert.equal(await httpHead(url), 200);
  });
});
