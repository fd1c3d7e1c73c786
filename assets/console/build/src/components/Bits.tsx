import type { ComponentChildren, VNode } from 'preact';
import type { ActorType } from '../generated/graphql';
import { humanize } from '../lib/format';

export function StatusBadge({ status }: { status: string }): VNode {
  return <span class={`status status-${status.toLowerCase()}`}>{humanize(status)}</span>;
}

export function ActorLabel({ actor }: { actor: { name: string; type: ActorType } | null | undefined }): VNode {
  if (!actor) return <span class="muted">—</span>;
  return (
    <span class="actor">
      {actor.name} <span class={`actor-type t-${actor.type.toLowerCase()}`}>{humanize(actor.type)}</span>
    </span>
  );
}

export function Section({
  title,
  id,
  children,
  actions,
}: {
  title: string;
  id: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}): VNode {
  return (
    <section class="card" aria-labelledby={`${id}-h`}>
      <div class="card-head">
        <h2 id={`${id}-h`}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }): VNode {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Progress({
  p,
}: {
  p: { requiredApprovals: number; approvals: number; stillNeeded: number; missingActorTypes: ActorType[] };
}): VNode {
  const pct = p.requiredApprovals > 0 ? Math.min(100, (p.approvals / p.requiredApprovals) * 100) : 0;
  return (
    <span class="progress">
      <span class="progress-text">
        {p.approvals}/{p.requiredApprovals} approvals
        {p.stillNeeded > 0 && `, ${p.stillNeeded} more needed`}
        {p.missingActorTypes.length > 0 && `; needs ${p.missingActorTypes.map(humanize).join(', ')}`}
      </span>
      <meter class="progress-meter" min={0} max={100} value={pct} aria-label="Approval progress" />
    </span>
  );
}
