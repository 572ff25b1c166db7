/**
 * Child process of transport-kill.test.ts: connects with the ConnectionSpec in argv[2], prints
 * "uploading" and uploads argv[5] bytes, all equal to argv[4], to argv[3]. The parent kills it.
 */
import {Readable} from 'node:stream';
import {connect} from '../../src/transport/index.js';

const [spec, path, fill, size] = [
  JSON.parse(process.argv[2]!),
  process.argv[3]!,
  Number(process.argv[4]),
  Number(process.argv[5]),
];
const agent = await connect(spec);
const chunk = Buffer.alloc(1024 * 1024, fill);
const content = Readable.from(
  (function* () {
    for (let sent = 0; sent < size; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, size - sent));
  })(),
);
process.stdout.write('uploading\n');
await agent.upload(path, content, size);
process.stdout.write('done\n');
await agent.close();
