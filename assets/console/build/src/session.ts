import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ActorType } from './generated/graphql';

export interface ProjectInfo {
  id: string;
  slug: string;
  name: string;
  tier: string;
  contextVersion: number;
}

export interface Session {
  token: string;
  viewer: { id: string; name: string; type: ActorType };
  projects: ProjectInfo[];
  /** Whether the token may review and promote (null: not known). */
  canReview: boolean | null;
  /** Announce a message to screen readers (polite). */
  announce(msg: string): void;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

export function projectBySlug(s: Session, slug: string | undefined): ProjectInfo | undefined {
  return s.projects.find((p) => p.slug === slug);
}
