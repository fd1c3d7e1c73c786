// Review decisions: approve, reject with a reason, request changes with
// structured feedback. Used by the queue and by a version's page.

import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { asGqlError, gql, type GqlError } from '../api/client';
import { Approve, Reject, RequestChanges } from '../api/ops';
import type { DecidedFragment } from '../generated/graphql';
import { humanize } from '../lib/format';
import { ErrorBox } from './ErrorBox';

export type DecisionKind = 'approve' | 'reject' | 'changes';

export interface DecisionOutcome {
  kind: DecisionKind;
  version: DecidedFragment;
  /** Approved, but the quorum is still open: the version stays PENDING. */
  quorumOpen: boolean;
  message: string;
}

export interface ChangeItem {
  path: string;
  note: string;
}

export async function decide(
  kind: DecisionKind,
  versionId: string,
  reason?: string,
  feedback?: unknown,
): Promise<DecisionOutcome> {
  const input: { versionId: string; reason?: string; feedback?: unknown } = { versionId };
  if (reason) input.reason = reason;
  if (feedback !== undefined) input.feedback = feedback;
  let v: DecidedFragment;
  if (kind === 'approve') v = (await gql(Approve, { input })).approveVersion;
  else if (kind === 'reject') v = (await gql(Reject, { input })).rejectVersion;
  else v = (await gql(RequestChanges, { input })).requestChanges;
  const name = `${v.schemaKey} v${v.versionNumber}`;
  const p = v.approvalProgress;
  const quorumOpen = kind === 'approve' && v.status === 'PENDING';
  let message: string;
  if (quorumOpen) {
    const needs = p.missingActorTypes.length > 0 ? `; still needs an approver of type ${p.missingActorTypes.map(humanize).join(', ')}` : '';
    message = `Your approval of ${name} counted (${p.approvals} of ${p.requiredApprovals}). The quorum is still open: ${p.stillNeeded} more approval${p.stillNeeded === 1 ? '' : 's'} needed${needs}. It stays pending.`;
  } else if (kind === 'approve') message = `Approved ${name}.`;
  else if (kind === 'reject') message = `Rejected ${name}.`;
  else message = `Requested changes on ${name}.`;
  return { kind, version: v, quorumOpen, message };
}

/** Reject / request-changes form in a modal dialog. */
export function DecisionDialog({
  kind,
  target,
  topPaths,
  onDone,
  onCancel,
}: {
  kind: 'reject' | 'changes';
  target: { id: string; schemaKey: string; versionNumber: number };
  topPaths: string[];
  onDone(o: DecisionOutcome): void;
  onCancel(): void;
}): VNode {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [items, setItems] = useState<ChangeItem[]>([{ path: '', note: '' }]);
  const [err, setErr] = useState<GqlError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const first = d?.querySelector<HTMLElement>('textarea, input');
    first?.focus();
  }, []);

  const title = kind === 'reject' ? 'Reject' : 'Request changes on';
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setErr(null);
    const notes = items.filter((i) => i.note.trim() !== '');
    if (kind === 'reject' && reason.trim() === '') {
      setErr(asGqlError(new Error('Give a reason for the rejection.')));
      return;
    }
    if (kind === 'changes' && notes.length === 0 && reason.trim() === '') {
      setErr(asGqlError(new Error('Say what should change: a reason or at least one change.')));
      return;
    }
    const feedback =
      kind === 'changes' && notes.length > 0
        ? { changes: notes.map((i) => (i.path.trim() ? { path: i.path.trim(), note: i.note.trim() } : { note: i.note.trim() })) }
        : undefined;
    setBusy(true);
    try {
      const o = await decide(kind, target.id, reason.trim() || undefined, feedback);
      ref.current?.close();
      onDone(o);
    } catch (ex) {
      setErr(asGqlError(ex));
    } finally {
      setBusy(false);
    }
  };

  const setItem = (i: number, patch: Partial<ChangeItem>): void =>
    setItems((xs) => xs.map((x, j) => (j === i ? { ...x, ...patch } : x)));

  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby="decision-title"
      onCancel={(e) => {
        e.preventDefault();
        ref.current?.close();
        onCancel();
      }}
    >
      <form onSubmit={submit}>
        <h2 id="decision-title">
          {title} {target.schemaKey} v{target.versionNumber}
        </h2>
        <label class="field">
          <span>{kind === 'reject' ? 'Reason (required)' : 'Summary (optional)'}</span>
          <textarea
            name="reason"
            rows={3}
            maxLength={8192}
            value={reason}
            onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        {kind === 'changes' && (
          <fieldset class="changes">
            <legend>What to change (kept as structured feedback for the next attempt)</legend>
            <datalist id="value-paths">
              {topPaths.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
            {items.map((it, i) => (
              <div class="change-row" key={i}>
                <label class="field">
                  <span>Path {i + 1} (optional)</span>
                  <input
                    type="text"
                    list="value-paths"
                    value={it.path}
                    placeholder="e.g. colors.0"
                    onInput={(e) => setItem(i, { path: (e.target as HTMLInputElement).value })}
                  />
                </label>
                <label class="field grow">
                  <span>Change {i + 1}</span>
                  <input
                    type="text"
                    value={it.note}
                    onInput={(e) => setItem(i, { note: (e.target as HTMLInputElement).value })}
                  />
                </label>
                {items.length > 1 && (
                  <button
                    type="button"
                    class="btn small"
                    aria-label={`Remove change ${i + 1}`}
                    onClick={() => setItems((xs) => xs.filter((_, j) => j !== i))}
                  >
                    Remove
                  </button>
                )}
              </div>
            ))}
            <button type="button" class="btn small" onClick={() => setItems((xs) => [...xs, { path: '', note: '' }])}>
              Add a change
            </button>
          </fieldset>
        )}
        <ErrorBox error={err} />
        <div class="dialog-actions">
          <button type="submit" class={kind === 'reject' ? 'btn danger' : 'btn warn'} disabled={busy}>
            {kind === 'reject' ? 'Reject' : 'Request changes'}
          </button>
          <button
            type="button"
            class="btn"
            onClick={() => {
              ref.current?.close();
              onCancel();
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function topLevelPaths(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  const walk = (v: unknown, prefix: string, depth: number): void => {
    if (depth > 2 || typeof v !== 'object' || v === null || out.length > 60) return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p);
      walk(x, p, depth + 1);
    }
  };
  walk(value, '', 0);
  return out;
}
