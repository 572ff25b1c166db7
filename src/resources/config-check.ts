/**
 * When a daemon's own check (dhcpd -t, nginx -t) refuses a rendered template, say which line of the
 * template produced the offending line: the daemon only knows the rendered file.
 */
import {PxeError} from '../errors.js';

/** The static text of a template line: what is left once {{ … }}, {% … %} and {# … #} are cut out. */
function staticParts(line: string): string[] {
  return line
    .split(/\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** 1-based template line that most likely rendered `rendered`, or undefined. Pure. */
export function templateLineOf(template: string, rendered: string): number | undefined {
  const target = rendered.trim();
  if (!target) return undefined;
  let best: {line: number; score: number} | undefined;
  template.split('\n').forEach((line, index) => {
    const parts = staticParts(line);
    if (parts.length === 0) return;
    let at = 0;
    for (const part of parts) {
      const found = target.indexOf(part, at);
      if (found < 0) return;
      at = found + part.length;
    }
    const score = parts.join('').length;
    if (!best || score > best.score) best = {line: index + 1, score};
  });
  return best?.line;
}

/** Daemon output without banners: the lines that name a line number or an error. */
export function checkerMessage(output: string): {text: string; line?: number} {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const useful = lines.filter(
    (l) =>
      /line \d+|error|expected|unknown|invalid|emerg|failed/i.test(l) &&
      !/^If you think|^Configuration file errors encountered|^exiting/i.test(l),
  );
  const picked = useful.length ? useful : lines.slice(-3);
  const line = /line (\d+)/.exec(picked.join('\n'))?.[1];
  return {text: picked.join(' | '), line: line === undefined ? undefined : Number(line)};
}

/** Rethrows a refused write as E_CONFIG_CHECK naming the template file and line. */
export function explainRefusal(
  error: unknown,
  dest: string,
  templatePath: string,
  template: string,
  rendered: string,
): never {
  if (!(error instanceof PxeError) || error.code !== 'E_CONFIG_CHECK') throw error;
  const output = error.message.split('refused the new content:').slice(1).join(':') || error.message;
  const {text, line} = checkerMessage(output.replace(/\/\S*\.pxeprov-tmp\.\d+(?:\.\w+)?/g, dest));
  const renderedLine = line === undefined ? undefined : rendered.split('\n')[line - 1];
  const templateLine = renderedLine === undefined ? undefined : templateLineOf(template, renderedLine);
  throw new PxeError('E_CONFIG_CHECK', `the check refused the new ${dest}, which was not installed: ${text}`, {
    where: {...error.where, ...(templateLine ? {file: templatePath, line: templateLine} : {file: templatePath})},
    expected: renderedLine === undefined ? undefined : `a valid line ${line}; it rendered as: ${renderedLine.trim()}`,
    hint: 'the live file is unchanged; fix the template or the variables it uses',
    cause: error,
  });
}
