// Hash routes (the console is static files served at /console/, so the
// server needs no route per view):
//   #/queue                  review queue across projects
//   #/p/SLUG/queue           one project's queue        (?prefix=brand)
//   #/v/VERSION_ID           a version's page
//   #/p/SLUG/promote         promotion
//   #/p/SLUG/runs            runs and costs             (?status=...&pipeline=...)
//   #/r/RUN_ID               a run's page
//   #/p/SLUG/context         the project's context

import { useEffect, useState } from 'preact/hooks';

export interface Route {
  path: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string = location.hash): Route {
  const raw = hash.replace(/^#/, '');
  const [p = '', q = ''] = raw.split('?', 2);
  const path = p
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s));
  return { path, query: new URLSearchParams(q) };
}

export function href(path: (string | number)[], query?: Record<string, string | undefined>): string {
  const p = '#/' + path.map((s) => encodeURIComponent(String(s))).join('/');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `${p}?${qs}` : p;
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else if (location.hash !== to) location.hash = to;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash());
  useEffect(() => {
    const on = (): void => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
