/** Names of the per-run PostgreSQL databases derived from TEST_DATABASE_URL. */
export function templateName(url: string): string {
  const base = new URL(url).pathname.replace(/^\//, '') || 'test';
  // One template per test run (the pid of vitest's main process), so concurrent runs on one
  // server never drop each other's template.
  return `${base.replace(/[^a-z0-9_]/gi, '_')}_pm_template_${process.pid}`;
}

/** The same server and credentials, another database (default: the URL's own). */
export function adminUrl(url: string, database?: string): string {
  const u = new URL(url);
  if (database) u.pathname = `/${database}`;
  return u.toString();
}
