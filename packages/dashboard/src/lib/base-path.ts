/**
 * Where the API lives, from where the page is: `/` and `/analytics` → `/`; behind a proxy prefix,
 * `/pulse/` and `/pulse/analytics` → `/pulse/`.
 */
export function apiBasePath(pathname: string): string {
  const base = pathname.replace(/analytics\/?$/, '');
  return base.endsWith('/') ? base : `${base}/`;
}
