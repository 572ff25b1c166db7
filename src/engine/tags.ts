/** --tags and --skip-tags, as Ansible selects tasks by them. */

/** Tags: `always` runs unless skipped by name, `never` only when asked for. */
export function selectedByTags(taskTags: string[], tags: string[], skipTags: string[]): boolean {
  if (taskTags.some((t) => skipTags.includes(t)) || (skipTags.includes('all') && !taskTags.includes('always')))
    return false;
  if (tags.length === 0 || tags.includes('all')) return !taskTags.includes('never');
  if (taskTags.includes('always')) return true;
  if (tags.includes('tagged') && taskTags.length > 0) return true;
  if (tags.includes('untagged') && taskTags.length === 0) return true;
  return taskTags.some((t) => tags.includes(t));
}
