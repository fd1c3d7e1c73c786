import type { VNode } from 'preact';
import { asGqlError, type GqlError } from '../api/client';

const HINTS: Record<string, string> = {
  UNAUTHENTICATED: 'The token is missing, wrong or revoked. Sign in again.',
  FORBIDDEN: "This token's role does not allow it.",
  NOT_FOUND: 'It does not exist, or this token may not see it.',
  CONFLICT: 'Someone changed it first. Read it again and retry.',
  INVALID_TRANSITION: 'It is no longer in a state that allows this (already reviewed?).',
  VALIDATION_FAILED: 'The input was refused.',
  RATE_LIMITED: 'Too many requests: wait a moment.',
  UNAVAILABLE: 'Nothing was done: retry.',
  OUTCOME_UNKNOWN: 'The connection was lost while committing: reload before retrying.',
  QUERY_TOO_COMPLEX: 'The request was too large for the server limits.',
  NETWORK: 'Quire could not be reached.',
};

/** Errors shown plainly: the code, what it means, the message, the details. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }): VNode | null {
  if (!error) return null;
  const e: GqlError = asGqlError(error);
  return (
    <div class="error-box" role="alert">
      {title && <p class="error-title">{title}</p>}
      <ul>
        {e.errors.map((item, i) => {
          const code = item.extensions?.code;
          const violations = item.extensions?.violations as { pointer: string; message: string }[] | undefined;
          const rest = Object.entries(item.extensions ?? {}).filter(([k]) => k !== 'code' && k !== 'violations');
          return (
            <li key={i}>
              {code && <span class="code-badge">{code}</span>} {item.message}
              {code && HINTS[code] && <span class="hint"> — {HINTS[code]}</span>}
              {item.path && <span class="hint"> (at {item.path.join('.')})</span>}
              {violations && violations.length > 0 && (
                <ul class="violations" aria-label="Schema violations">
                  {violations.map((v, j) => (
                    <li key={j}>
                      <code>{v.pointer || '/'}</code>: {v.message}
                    </li>
                  ))}
                </ul>
              )}
              {rest.length > 0 && (
                <dl class="ext">
                  {rest.map(([k, v]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
