import type { VNode } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { asGqlError, getToken, gql, gqlRaw, onUnauthenticated, setToken } from './api/client';
import { ProbeReviewRole, SignIn } from './api/ops';
import { ErrorBox } from './components/ErrorBox';
import { humanize } from './lib/format';
import { href, navigate, useRoute, type Route } from './lib/route';
import { SessionContext, type ProjectInfo, type Session } from './session';
import { ContextView } from './views/Context';
import { PromoteView } from './views/Promote';
import { QueueView } from './views/Queue';
import { RunView } from './views/Run';
import { RunsView } from './views/Runs';
import { VersionView } from './views/Version';

type Who = Pick<Session, 'viewer' | 'projects' | 'canReview'>;

async function loadSession(token: string): Promise<Who> {
  const d = await gql(SignIn, undefined, { token });
  let canReview: boolean | null = null;
  try {
    const { errors } = await gqlRaw(ProbeReviewRole, undefined, { token });
    const code = errors?.[0]?.extensions?.code;
    if (code === 'FORBIDDEN') canReview = false;
    else if (code === 'NOT_FOUND') canReview = true;
  } catch {
    canReview = null;
  }
  return {
    viewer: d.viewer,
    projects: d.projects.edges.map((e) => e.node),
    canReview,
  };
}

export function App(): VNode {
  const [token, setTok] = useState<string | null>(getToken());
  const [who, setWho] = useState<Who | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const liveRef = useRef<HTMLDivElement>(null);

  const announce = useCallback((msg: string) => {
    // Re-set so the same message is read again.
    setMessage('');
    requestAnimationFrame(() => setMessage(msg));
  }, []);

  const signOut = useCallback(() => {
    setToken(null);
    setTok(null);
    setWho(null);
    navigate('#/', true);
  }, []);

  useEffect(() => {
    if (!token) return;
    let gone = false;
    loadSession(token)
      .then((w) => !gone && setWho(w))
      .catch((e) => {
        if (gone) return;
        setErr(e);
        if (asGqlError(e).hasCode('UNAUTHENTICATED')) {
          setToken(null);
          setTok(null);
        }
      });
    return () => {
      gone = true;
    };
  }, [token]);

  useEffect(
    () =>
      onUnauthenticated(() => {
        setErr(asGqlError(new Error('The token was refused (UNAUTHENTICATED): sign in again.')));
        setToken(null);
        setTok(null);
        setWho(null);
      }),
    [],
  );

  const session: Session | null = useMemo(
    () => (token && who ? { token, ...who, announce, signOut } : null),
    [token, who, announce, signOut],
  );

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <div class="sr-only" aria-live="polite" aria-atomic="true" ref={liveRef} id="announcer">
        {message}
      </div>
      {session ? (
        <SessionContext.Provider value={session}>
          <Shell session={session} />
        </SessionContext.Provider>
      ) : token && !err ? (
        <main id="main" tabIndex={-1} class="signin">
          <p role="status">Signing in…</p>
        </main>
      ) : (
        <SignInView
          error={err}
          onToken={(t) => {
            setErr(null);
            setToken(t);
            setTok(t);
          }}
        />
      )}
    </>
  );
}

function SignInView({ error, onToken }: { error: unknown; onToken(t: string): void }): VNode {
  const [value, setValue] = useState('');
  return (
    <main id="main" tabIndex={-1} class="signin">
      <form
        class="card signin-card"
        aria-labelledby="signin-h"
        onSubmit={(e) => {
          e.preventDefault();
          const t = value.trim().replace(/^Bearer\s+/i, '');
          if (t) onToken(t);
        }}
      >
        <h1 id="signin-h">Quire review console</h1>
        <p>Paste an API token. It is kept in this browser's local storage until you sign out, and sent only to this server.</p>
        <label class="field">
          <span>API token</span>
          <input
            type="password"
            name="token"
            autoComplete="off"
            spellcheck={false}
            placeholder="qk_…"
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            required
          />
        </label>
        <ErrorBox error={error} title="Sign-in failed" />
        <button type="submit" class="btn ok">
          Sign in
        </button>
        <p class="muted small">
          Create one with <code>quire token create --name you --role reviewer --actor-type human</code>.
        </p>
      </form>
    </main>
  );
}

function currentSlug(route: Route, session: Session): string | null {
  const [a, b] = route.path;
  if (a === 'p' && b) return b;
  const last = sessionStorage.getItem('quire.console.project');
  if (last && session.projects.some((p) => p.slug === last)) return last;
  return session.projects[0]?.slug ?? null;
}

function Shell({ session }: { session: Session }): VNode {
  const route = useRoute();
  const slug = currentSlug(route, session);
  const [a, , view] = route.path;
  useEffect(() => {
    if (route.path[0] === 'p' && route.path[1]) sessionStorage.setItem('quire.console.project', route.path[1]);
  }, [route.path[0], route.path[1]]);

  // Move focus to the main region on navigation, for keyboard and screen-reader users.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }, [route.path.join('/')]);

  const section = a === 'queue' || view === 'queue' || !a ? 'queue' : a === 'v' ? 'queue' : a === 'r' ? 'runs' : (view ?? 'queue');
  const roleLabel = session.canReview === true ? 'may review' : session.canReview === false ? 'read-only' : 'role unknown';
  return (
    <>
      <header class="topbar">
        <a class="brand" href={href(['queue'])}>
          Quire <span>review</span>
        </a>
        <nav aria-label="Main">
          <ul>
            <li>
              <a href={slug ? href(['p', slug, 'queue']) : href(['queue'])} aria-current={section === 'queue' ? 'page' : undefined}>
                Queue
              </a>
            </li>
            {slug && (
              <>
                <li>
                  <a href={href(['p', slug, 'promote'])} aria-current={section === 'promote' ? 'page' : undefined}>
                    Promote
                  </a>
                </li>
                <li>
                  <a href={href(['p', slug, 'runs'])} aria-current={section === 'runs' ? 'page' : undefined}>
                    Runs
                  </a>
                </li>
                <li>
                  <a href={href(['p', slug, 'context'])} aria-current={section === 'context' ? 'page' : undefined}>
                    Context
                  </a>
                </li>
              </>
            )}
          </ul>
        </nav>
        <ProjectPicker projects={session.projects} slug={route.path[0] === 'queue' ? null : slug} view={section} />
        <div class="who">
          <span class="who-name">{session.viewer.name}</span>{' '}
          <span class="muted">
            {humanize(session.viewer.type)}, {roleLabel}
          </span>
          <button type="button" class="btn small" onClick={session.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routed route={route} slug={slug} />
      </main>
      <footer class="foot">
        <a href="./LICENSES.txt">Licences</a> · <a href="/graphql">GraphQL playground</a>
      </footer>
    </>
  );
}

function ProjectPicker({ projects, slug, view }: { projects: ProjectInfo[]; slug: string | null; view: string }): VNode {
  return (
    <div class="field inline picker">
      <label for="project-picker">Project</label>
      <select
        id="project-picker"
        value={slug ?? ''}
        onChange={(e) => {
          const s = (e.target as HTMLSelectElement).value;
          if (!s) navigate(href(['queue']));
          else navigate(href(['p', s, view === 'queue' ? 'queue' : view]));
        }}
      >
        {view === 'queue' && <option value="">All projects</option>}
        {projects.map((p) => (
          <option key={p.id} value={p.slug}>
            {p.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function Routed({ route, slug }: { route: Route; slug: string | null }): VNode {
  const [a, b, c] = route.path;
  if (a === 'v' && b) return <VersionView key={b} id={b} />;
  if (a === 'r' && b) return <RunView key={b} id={b} />;
  if (a === 'queue') {
    const prefix = route.query.get('prefix') ?? '';
    return <QueueView key={`*:${prefix}`} slug={null} prefix={prefix} />;
  }
  if (a === 'p' && b) {
    if (c === 'promote') return <PromoteView key={b} slug={b} />;
    if (c === 'runs') return <RunsView key={b} slug={b} query={route.query} />;
    if (c === 'context') return <ContextView key={b} slug={b} />;
    const prefix = route.query.get('prefix') ?? '';
    return <QueueView key={`${b}:${prefix}`} slug={b} prefix={prefix} />;
  }
  if (!slug) return <p class="empty">This token sees no project.</p>;
  return <QueueView key={`${slug}:`} slug={slug} prefix="" />;
}
