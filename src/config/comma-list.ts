/** A list as Ansible takes one: a YAML list, or one comma-separated string (tags: a, b). */
export function commaList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
