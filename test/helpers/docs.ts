/** The user documentation as one text: README.md and every page under docs/ (the generated reference too). */
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

export function docsFiles(dir = 'docs'): string[] {
  return readdirSync(dir, {withFileTypes: true})
    .flatMap((entry) =>
      entry.isDirectory()
        ? docsFiles(join(dir, entry.name))
        : entry.name.endsWith('.md')
          ? [join(dir, entry.name)]
          : [],
    )
    .sort();
}

export function readDocs(): string {
  return ['README.md', ...docsFiles()].map((file) => readFileSync(file, 'utf8')).join('\n');
}
