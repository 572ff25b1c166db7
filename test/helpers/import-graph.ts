/**
 * The import graph of a TypeScript tree, and its cycles. Every static `import … from`, `import type`,
 * side-effect `import '…'` and `export … from` counts (a type-only cycle tangles the code as much as any);
 * a dynamic `import()` does not: it is how a module is loaded lazily on purpose.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import ts from 'typescript';

/** Each file (relative to the tree's root) and the files of the tree it imports, in source order. */
export type ImportGraph = Map<string, string[]>;

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The module specifiers of a file's import and export-from declarations. */
export function importedSpecifiers(file: string, source: string): string[] {
  const parsed = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return parsed.statements.flatMap((statement) => {
    const specifier =
      ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    return specifier && ts.isStringLiteral(specifier) ? [specifier.text] : [];
  });
}

/** `./x.js` is `./x.ts` on disk (ESM names the emitted file); a directory's entry is its index.ts. */
function resolveRelative(from: string, specifier: string, files: Set<string>): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((candidate) => files.has(candidate));
}

/** The graph of every .ts file under root. A relative import that names no file of the tree is an error. */
export function importGraph(root: string): ImportGraph {
  const files = typescriptFiles(resolve(root));
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const edges: string[] = [];
    for (const specifier of importedSpecifiers(file, readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = resolveRelative(file, specifier, known);
      if (!target) throw new Error(`${relative(root, file)} imports '${specifier}', which is no file under ${root}`);
      edges.push(relative(root, target));
    }
    graph.set(relative(root, file), edges);
  }
  return graph;
}

/**
 * Every cycle a depth-first walk meets, each as its chain of files from where it starts back to the same
 * file (a -> b -> a). An empty list: the graph has none.
 */
export function importCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    const onPath = path.indexOf(file);
    if (onPath >= 0) {
      cycles.push([...path.slice(onPath), file]);
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return cycles;
}
